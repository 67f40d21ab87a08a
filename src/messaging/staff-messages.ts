/**
 * Secure messages, staff side (issue #14): the inbox by pool with unread and overdue flags, a
 * conversation with its internal notes, replies, notes, assignment and closing. The staff console works
 * with the portal's system credential (DESIGN.md "Architecture"); every read and write is audited with the
 * staff member's Practitioner as the agent and the patient as the entity, before the page is shown or the
 * answer given. A reply and its Provenance, and the routing Task's new state, are one HAPI transaction.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { AuditEvent, Bundle, BundleEntry, Communication, Patient, Practitioner, Provenance, RelatedPerson, Task } from '@medplum/fhirtypes';
import { AppError } from '../core/errors.ts';
import { fhirAccessAuditEvent } from '../core/fhir/audit-event.ts';
import { fhirCreateAuditEvent } from '../core/fhir/create-audit-event.ts';
import { isFhirId } from '../core/fhir/ids.ts';
import { categoryCoding, conversationLabels, maxMessageLength, messageCategoryOf, messageCategorySystem, messagePoolSystem, messageReadBySystem } from '../core/fhir/messages.ts';
import { displayName, medicalRecordNumber } from '../core/fhir/names.ts';
import { recordAuditEvents } from '../store/audit-trail.ts';
import { listStaffAccounts } from '../store/accounts.ts';
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey } from '../store/write-idempotency.ts';
import type { MessagingDeps } from './deps.ts';
import { notifyPatientSide } from './notifications.ts';
import { markRead, unreadCounts } from './read-state.ts';
import { isOverdue, isWithdrawn, routingOf, summarize, threadMessages, threadOf, type Routing, type ThreadMessage, type ThreadSummary } from './thread-model.ts';

export interface StaffActor {
  readonly accountId: string;
  /** Practitioner/… */
  readonly practitioner: string;
  readonly name: string;
}

/** What an audited console request says of itself. */
export interface StaffRequest {
  readonly staff: StaffActor;
  readonly request: string;
  readonly clientAddress: string;
}

export interface InboxRow extends ThreadSummary {
  readonly routing: Routing | undefined;
  readonly overdue: boolean;
  readonly patientName: string;
  readonly ownerName: string | undefined;
}

const all = async <T extends Communication | Task | Patient | Practitioner>(
  deps: Pick<MessagingDeps, 'fhir'>,
  type: T['resourceType'],
  params: Record<string, string>,
  max = 100,
) => {
  const found: T[] = [];
  const included: (Communication | Task | Patient | Practitioner)[] = [];
  let bundle: Bundle<T> | undefined = await deps.fhir.search<T>(type as never, { _count: '500', ...params });
  for (let page = 0; bundle && page < max; page++) {
    for (const entry of bundle.entry ?? []) {
      if (!entry.resource) continue;
      if (entry.search?.mode === 'include') included.push(entry.resource);
      else found.push(entry.resource);
    }
    bundle = await deps.fhir.nextPage(bundle);
  }
  return { found, included };
};

/** A console read or search of these patients' records, audited with the staff member's Practitioner as the agent. */
export const auditStaffAccess = (deps: Pick<MessagingDeps, 'db' | 'practice'>, request: StaffRequest, patients: readonly string[], interaction: 'read' | 'search-type') =>
  recordAuditEvents(
    deps.db,
    (patients.length ? patients : [undefined]).map((patient) =>
      fhirAccessAuditEvent({
        interaction,
        outcome: '0',
        actor: request.staff.practitioner,
        accountId: request.staff.accountId,
        ...(patient ? { patient } : {}),
        request: request.request,
        clientAddress: request.clientAddress,
        portalName: deps.practice.name,
      }),
    ),
  );

/** The staff members a conversation may be assigned to (active staff accounts), by name. */
export async function staffDirectory(deps: Pick<MessagingDeps, 'db' | 'fhir'>): Promise<{ practitioner: string; name: string }[]> {
  const accounts = (await listStaffAccounts(deps.db)).filter((a) => a.status === 'active' && a.fhir_user?.startsWith('Practitioner/'));
  const ids = accounts.map((a) => a.fhir_user!.slice('Practitioner/'.length)).filter(isFhirId);
  if (ids.length === 0) return [];
  const { found } = await all<Practitioner>(deps, 'Practitioner', { _id: ids.join(',') }, 5);
  return found.map((p) => ({ practitioner: `Practitioner/${p.id}`, name: displayName(p.name) || `Practitioner/${p.id}` })).sort((a, b) => a.name.localeCompare(b.name));
}

/** Conversations per inbox page. */
export const inboxPageSize = 25;

/**
 * One page of the inbox: open (or closed) conversations, optionally one pool's (Task `performer` =
 * performerType), most recently active first (Task.lastModified changes with every patient message that
 * reopens it, every reply, assignment and closing), each with the patient's name, its pool and owner, unread for this staff
 * member (patient-side messages of these conversations without their read tag, `_tag:not`), and overdue when
 * the patient has waited past the answer time. Audited as a search naming every patient shown.
 */
export async function staffInbox(
  deps: MessagingDeps,
  request: StaffRequest,
  options: { pool?: string; closed?: boolean; page?: number } = {},
): Promise<{ rows: InboxRow[]; more: boolean }> {
  const reader = request.staff.practitioner;
  const page = Math.max(0, Math.min(options.page ?? 0, 200));
  const bundle = await deps.fhir.search<Task | Communication>('Task', {
    code: `${messageCategorySystem}|thread`,
    status: options.closed ? 'completed' : 'requested,in-progress',
    ...(options.pool ? { performer: `${messagePoolSystem}|${options.pool}` } : {}),
    _include: 'Task:focus',
    // Task.lastModified (search parameter `modified`), set by every write that changes the conversation's state:
    // HAPI sorts on it in a third of the time it takes to sort on _lastUpdated.
    _sort: '-modified',
    _count: String(inboxPageSize),
    ...(page > 0 ? { _offset: String(page * inboxPageSize) } : {}),
  });
  const resources = (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
  const tasks = resources.filter((r): r is Task => r.resourceType === 'Task');
  const headers = resources.filter((r): r is Communication => r.resourceType === 'Communication' && messageCategoryOf(r) === 'thread');
  const patients = [...new Set(headers.map((h) => h.subject?.reference ?? '').filter((p) => p.startsWith('Patient/')))];
  const patientIds = patients.map((p) => p.slice('Patient/'.length)).filter(isFhirId);
  // Only the owners shown need a name (not the whole staff directory).
  const ownerIds = [...new Set(tasks.map((t) => t.owner?.reference ?? ''))]
    .filter((o) => o.startsWith('Practitioner/'))
    .map((o) => o.slice('Practitioner/'.length))
    .filter(isFhirId);
  const [people, owners, , counts] = await Promise.all([
    patientIds.length ? all<Patient>(deps, 'Patient', { _id: patientIds.join(','), _elements: 'name' }, 1).then((r) => r.found) : Promise.resolve([] as Patient[]),
    ownerIds.length ? all<Practitioner>(deps, 'Practitioner', { _id: ownerIds.join(','), _elements: 'name' }, 1).then((r) => r.found) : Promise.resolve([] as Practitioner[]),
    auditStaffAccess(deps, request, patients, 'search-type'),
    unreadCounts(deps.fhir, headers, { reader, categories: ['message'] }),
  ]);
  const summaries = summarize(headers, [], reader).map((summary) => ({ ...summary, unread: counts.get(summary.id) ?? 0 }));
  const names = new Map(people.map((p) => [`Patient/${p.id}`, displayName(p.name)]));
  const staffNames = new Map(owners.map((p) => [`Practitioner/${p.id}`, displayName(p.name) || `Practitioner/${p.id}`]));
  const taskOf = new Map(tasks.map((t) => [t.focus?.reference, t]));
  const now = deps.now();
  const rows = summaries.map((summary) => {
    const task = taskOf.get(`Communication/${summary.id}`);
    const routing = routingOf(task);
    const lastActivity = [summary.lastActivity, task?.lastModified ?? ''].sort().at(-1) ?? summary.lastActivity;
    return {
      ...summary,
      lastActivity,
      routing,
      overdue: isOverdue(routing, now),
      patientName: names.get(summary.patient) ?? '',
      ownerName: routing?.owner ? staffNames.get(routing.owner) : undefined,
    };
  });
  rows.sort((a, b) => (a.lastActivity < b.lastActivity ? 1 : a.lastActivity > b.lastActivity ? -1 : 0));
  return { rows, more: !!bundle.link?.some((l) => l.relation === 'next') };
}

export interface StaffConversation {
  readonly summary: ThreadSummary;
  readonly routing: Routing | undefined;
  readonly overdue: boolean;
  readonly patient: { readonly name: string; readonly birthDate: string | undefined; readonly mrn: string | undefined };
  readonly messages: readonly (ThreadMessage & { readonly name: string | undefined })[];
  readonly staff: readonly { practitioner: string; name: string }[];
}

/** A conversation's header and patient, read with the portal's credential; anything but a patient's conversation is 404. */
export async function loadHeader(deps: Pick<MessagingDeps, 'fhir'>, id: string): Promise<{ header: Communication; patient: string }> {
  if (!isFhirId(id)) throw new AppError('not_found', 404);
  const header = await deps.fhir.read<Communication>('Communication', id).catch(() => undefined);
  if (!header || messageCategoryOf(header) !== 'thread' || !header.subject?.reference?.startsWith('Patient/')) throw new AppError('not_found', 404);
  return { header, patient: header.subject.reference };
}

/** The header, its patient and its routing Task, for the console's pages and the writes that change the routing. */
export async function loadThread(deps: Pick<MessagingDeps, 'fhir'>, id: string) {
  const { header, patient } = await loadHeader(deps, id);
  const tasks = await deps.fhir.search<Task>('Task', { focus: `Communication/${id}`, _count: '1' });
  return { header, task: tasks.entry?.[0]?.resource, patient };
}

/** One conversation with its internal notes, audited, and marked read for this staff member. */
export async function staffConversation(deps: MessagingDeps, request: StaffRequest, id: string): Promise<StaffConversation> {
  const { header, task, patient } = await loadThread(deps, id);
  const reader = request.staff.practitioner;
  const { found } = await all<Communication>(deps, 'Communication', { 'part-of': `Communication/${id}` });
  const person = await deps.fhir.read<Patient>('Patient', patient.slice('Patient/'.length));
  const staff = await staffDirectory(deps);
  const names = new Map<string, string>(staff.map((s) => [s.practitioner, s.name]));
  names.set(patient, displayName(person.name));
  for (const sender of new Set(found.map((m) => m.sender?.reference).filter((s): s is string => !!s && s.startsWith('RelatedPerson/')))) {
    const related = await deps.fhir.read<RelatedPerson>('RelatedPerson', sender.slice('RelatedPerson/'.length)).catch(() => undefined);
    if (related) names.set(sender, displayName(related.name));
  }
  await auditStaffAccess(deps, request, [patient], 'read');
  const messages = threadMessages(found, reader, { includeNotes: true });
  await markRead(
    deps.fhir,
    found.filter((m) => messages.some((v) => v.id === m.id && v.unread)),
    reader,
  );
  const routing = routingOf(task);
  return {
    summary: summarize([header], found, reader)[0]!,
    routing,
    overdue: isOverdue(routing, deps.now()),
    patient: { name: displayName(person.name), birthDate: person.birthDate, mrn: medicalRecordNumber(person) },
    messages: messages.map((m) => ({ ...m, name: m.sender ? names.get(m.sender) : undefined })),
    staff,
  };
}

export type StaffWriteError =
  | 'staffMessages.error.textEmpty'
  | 'staffMessages.error.textLong'
  | 'staffMessages.error.closed'
  | 'staffMessages.error.staff'
  | 'staffMessages.error.keyReused'
  | 'staffMessages.error.pending';

export class StaffWriteRefused extends Error {
  readonly reason: StaffWriteError;
  constructor(reason: StaffWriteError) {
    super(reason);
    this.reason = reason;
  }
}

const auditCreate = (deps: MessagingDeps, request: StaffRequest, patient: string, created: string | undefined, message = false): AuditEvent & { id: string } =>
  fhirCreateAuditEvent({
    outcome: '0',
    message,
    actor: request.staff.practitioner,
    accountId: request.staff.accountId,
    patient,
    ...(created ? { created } : {}),
    request: request.request,
    clientAddress: request.clientAddress,
    portalName: deps.practice.name,
  });

/** What a console form key is bound to (write_idempotency.request_hash): the conversation, the kind and the text. */
export const staffWriteHash = (thread: string, kind: 'message' | 'internal-note', text: string): string => createHash('sha256').update(`${thread}\n${kind}\n${text}`).digest('hex');

/**
 * A reply to the patient (`kind: 'message'`) or an internal note the patient never sees (`'internal-note'`: no
 * subject, sender or recipient that is a patient, so outside the compartment the facade releases). A reply
 * marks the Task answered (and assigns it to the writer when no one owns it) and queues the patient's notice.
 * `key` makes a double submit write once.
 */
export async function staffWrite(deps: MessagingDeps, request: StaffRequest, id: string, input: { kind: 'message' | 'internal-note'; text: string; key: string }): Promise<void> {
  const text = input.text;
  if (text.trim() === '') throw new StaffWriteRefused('staffMessages.error.textEmpty');
  if (text.length > maxMessageLength) throw new StaffWriteRefused('staffMessages.error.textLong');
  const { header, task, patient } = await loadThread(deps, id);
  if (header.status !== 'in-progress') throw new StaffWriteRefused('staffMessages.error.closed');
  const owner = { accountId: request.staff.accountId, clientId: 'staff-console', key: input.key };
  const claim = await claimIdempotencyKey(deps.db, owner, staffWriteHash(id, input.kind, text));
  // The form's key already wrote another text (or into another conversation): refused, never reported as sent.
  if (claim.state === 'mismatch') throw new StaffWriteRefused('staffMessages.error.keyReused');
  // Another submit of this form is still writing (a double click), or its replica died mid-write: not written yet, so
  // never reported as sent. The page keeps the text and this key, so sending again writes at most once.
  if (claim.state === 'pending') throw new StaffWriteRefused('staffMessages.error.pending');
  if (claim.state !== 'claimed') return;
  const held = { ...owner, stamp: claim.stamp };
  const now = deps.now().toISOString();
  const url = `urn:uuid:${randomUUID()}`;
  const labels = conversationLabels(header);
  const message: Communication = {
    resourceType: 'Communication',
    status: 'completed',
    category: [{ coding: [categoryCoding(input.kind)] }],
    partOf: [{ reference: `Communication/${id}` }],
    sender: { reference: request.staff.practitioner },
    sent: now,
    // The writer has read what they wrote: the inbox's unread counts (a count per reader tag) never include it. The
    // conversation's security labels too: a reply in an adolescent's confidential conversation is withheld like it.
    meta: { tag: [{ system: messageReadBySystem, code: request.staff.practitioner }], ...(labels.length ? { security: labels } : {}) },
    payload: [{ contentString: text }],
    ...(input.kind === 'message' ? { subject: { reference: patient }, recipient: [{ reference: patient }] } : { about: [{ reference: `Communication/${id}` }] }),
  };
  const provenance: Provenance = {
    resourceType: 'Provenance',
    target: [{ reference: url }],
    recorded: now,
    activity: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: 'CREATE' }] },
    agent: [{ who: { reference: request.staff.practitioner } }],
  };
  const entries: BundleEntry[] = [
    { fullUrl: url, resource: message, request: { method: 'POST', url: 'Communication' } },
    { resource: provenance, request: { method: 'POST', url: 'Provenance' } },
  ];
  if (input.kind === 'message' && task?.id) {
    const { restriction: _due, ...rest } = task;
    const answered: Task = {
      ...rest,
      status: 'in-progress',
      businessStatus: { text: 'answered' },
      lastModified: now,
      ...(task.owner ? {} : { owner: { reference: request.staff.practitioner } }),
    };
    entries.push({ resource: answered, request: { method: 'PUT', url: `Task/${task.id}`, ifMatch: `W/"${task.meta?.versionId ?? '1'}"` } });
  }
  let location: string | undefined;
  try {
    const answer = await deps.fhir.transaction({ resourceType: 'Bundle', type: 'transaction', entry: entries });
    location = answer.entry?.[0]?.response?.location?.replace(/^.*?(Communication\/)/, '$1');
  } catch (error) {
    await releaseIdempotencyKey(deps.db, held).catch(() => undefined);
    throw error;
  }
  await completeIdempotencyKey(deps.db, held, location ?? '');
  await recordAuditEvents(deps.db, [auditCreate(deps, request, patient, location, input.kind === 'message')]);
  // A labelled (confidential) conversation tells no family member, a parent included.
  if (input.kind === 'message') await notifyPatientSide(deps, id, patient, labels.length > 0);
}

/**
 * Withdraws a message or internal note a staff member wrote (this one or a colleague): `status`
 * entered-in-error, in one HAPI transaction with its Provenance (activity NULLIFY, the staff member as agent),
 * audited as an update. The record of truth keeps it; the patient pages never show it again and no unread
 * count includes it (both skip the status), while staff see that a message was withdrawn. A message that is not
 * staff-written or not in this conversation is not found; withdrawing twice changes nothing.
 */
export async function withdrawMessage(deps: MessagingDeps, request: StaffRequest, id: string, messageId: string): Promise<void> {
  const { patient } = await loadHeader(deps, id);
  const message = isFhirId(messageId) ? await deps.fhir.read<Communication>('Communication', messageId).catch(() => undefined) : undefined;
  const category = message ? messageCategoryOf(message) : undefined;
  if (!message || threadOf(message) !== id || (category !== 'message' && category !== 'internal-note') || !message.sender?.reference?.startsWith('Practitioner/')) {
    throw new AppError('not_found', 404);
  }
  if (isWithdrawn(message)) return;
  const provenance: Provenance = {
    resourceType: 'Provenance',
    target: [{ reference: `Communication/${messageId}` }],
    recorded: deps.now().toISOString(),
    activity: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: 'NULLIFY' }] },
    agent: [{ who: { reference: request.staff.practitioner } }],
  };
  await deps.fhir.transaction({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        resource: { ...message, status: 'entered-in-error' },
        request: { method: 'PUT', url: `Communication/${messageId}`, ifMatch: `W/"${message.meta?.versionId ?? '1'}"` },
      },
      { resource: provenance, request: { method: 'POST', url: 'Provenance' } },
    ],
  });
  await recordAuditEvents(deps.db, [
    { ...auditCreate(deps, request, patient, `Communication/${messageId}`), action: 'U', subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'update' }] },
  ]);
}

/** Assigns the conversation to a staff member (Practitioner/…), or back to the pool (undefined); audited. */
export async function assignConversation(deps: MessagingDeps, request: StaffRequest, id: string, to: string | undefined): Promise<void> {
  const { task, patient } = await loadThread(deps, id);
  if (!task?.id) throw new AppError('not_found', 404);
  if (to !== undefined && !(await staffDirectory(deps)).some((s) => s.practitioner === to)) throw new StaffWriteRefused('staffMessages.error.staff');
  const { owner: _owner, ...rest } = task;
  await deps.fhir.update<Task>({
    ...rest,
    id: task.id,
    status: to ? 'in-progress' : 'requested',
    lastModified: deps.now().toISOString(),
    ...(to ? { owner: { reference: to } } : {}),
  });
  await recordAuditEvents(deps.db, [
    { ...auditCreate(deps, request, patient, `Task/${task.id}`), action: 'U', subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'update' }] },
  ]);
}

/** Closes the conversation (header completed, Task completed); the patient sees it closed and may start a new one. */
export async function closeConversation(deps: MessagingDeps, request: StaffRequest, id: string): Promise<void> {
  const { header, task, patient } = await loadThread(deps, id);
  const entries: BundleEntry[] = [
    { resource: { ...header, status: 'completed' }, request: { method: 'PUT', url: `Communication/${id}`, ifMatch: `W/"${header.meta?.versionId ?? '1'}"` } },
  ];
  if (task?.id) {
    const { restriction: _due, ...rest } = task;
    entries.push({
      resource: { ...rest, status: 'completed', businessStatus: { text: 'closed' }, lastModified: deps.now().toISOString() },
      request: { method: 'PUT', url: `Task/${task.id}` },
    });
  }
  await deps.fhir.transaction({ resourceType: 'Bundle', type: 'transaction', entry: entries });
  await recordAuditEvents(deps.db, [
    { ...auditCreate(deps, request, patient, `Communication/${id}`), action: 'U', subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'update' }] },
  ]);
}

/** The thread a message belongs to (for links). */
export { threadOf };
