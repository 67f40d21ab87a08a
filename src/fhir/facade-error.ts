import type { OperationOutcomeIssue } from '@medplum/fhirtypes';

/** A refusal the facade answers as an OperationOutcome, with our own words (never upstream diagnostics). */
export class FacadeError extends Error {
  readonly status: number;
  readonly issueCode: OperationOutcomeIssue['code'];
  readonly auditOutcome: 'not-found' | 'forbidden' | 'invalid' | 'not-supported' | 'login' | 'transient';
  readonly text: string;
  constructor(status: number, issueCode: OperationOutcomeIssue['code'], auditOutcome: FacadeError['auditOutcome'], text: string) {
    super(text);
    this.status = status;
    this.issueCode = issueCode;
    this.auditOutcome = auditOutcome;
    this.text = text;
  }
}

/** The one answer for "missing" and "outside your reach" alike (DESIGN.md security model 6). */
export const facadeNotFound = (): FacadeError => new FacadeError(404, 'not-found', 'not-found', 'Resource not found.');
