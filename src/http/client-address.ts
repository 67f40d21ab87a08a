import type { Request } from 'express';

/** The client address for audit and throttling: Express resolves X-Forwarded-For only behind TRUST_PROXY hops. */
export const clientAddress = (req: Request): string => req.ip ?? req.socket.remoteAddress ?? 'unknown';
