// Unit tests never touch the network: any HTTP request not mocked with nock fails the test.
import nock from 'nock';

export const mochaHooks = {
  beforeAll() {
    nock.disableNetConnect();
  },
  afterEach() {
    nock.cleanAll();
  },
  afterAll() {
    nock.enableNetConnect();
  },
};
