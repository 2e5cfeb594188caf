import type { Incident } from './incident.aggregate.js';
import type {
  AlertSignal,
  NoteCommand,
  OnCallLookup,
  PostmortemNoteCommand,
  ResolveCommand,
  SloSignal,
} from './incident-inputs.js';

/** Every command an incident accepts after opening, as data (HTTP verbs, consumers, tests). */
export type IncidentCommand =
  | ({ readonly type: 'acknowledge' } & NoteCommand)
  | ({ readonly type: 'investigate' } & NoteCommand)
  | ({ readonly type: 'mitigate' } & NoteCommand)
  | ({ readonly type: 'resolve' } & ResolveCommand)
  | ({ readonly type: 'escalate'; readonly onCall?: OnCallLookup } & NoteCommand)
  | { readonly type: 'escalateDue'; readonly now: string; readonly onCall?: OnCallLookup }
  | ({ readonly type: 'addPostmortemNote' } & PostmortemNoteCommand)
  | { readonly type: 'recordRecurrence'; readonly alert: AlertSignal }
  | { readonly type: 'recordSloRecurrence'; readonly breach: SloSignal };

export type IncidentCommandType = IncidentCommand['type'];

export function executeIncidentCommand(incident: Incident, command: IncidentCommand): void {
  switch (command.type) {
    case 'acknowledge':
      return incident.acknowledge(command);
    case 'investigate':
      return incident.investigate(command);
    case 'mitigate':
      return incident.mitigate(command);
    case 'resolve':
      return incident.resolve(command);
    case 'escalate':
      incident.escalate(command, command.onCall);
      return;
    case 'escalateDue':
      incident.escalateDue(command.now, command.onCall);
      return;
    case 'addPostmortemNote':
      return incident.addPostmortemNote(command);
    case 'recordRecurrence':
      return incident.recordRecurrence(command.alert);
    case 'recordSloRecurrence':
      return incident.recordSloRecurrence(command.breach);
    default: {
      const unreachable: never = command;
      throw new Error(`unknown incident command ${JSON.stringify(unreachable)}`);
    }
  }
}
