export type { IncidentStatus, IncidentSource } from './incident-values.js';
export {
  INCIDENT_STATUSES,
  INCIDENT_SOURCES,
  incidentStatus,
  incidentSource,
} from './incident-values.js';
export {
  INCIDENT_TRANSITIONS,
  canTransition,
  isResolved,
  isAcknowledged,
} from './incident-lifecycle.js';
export type {
  IncidentEventType,
  IncidentEvent,
  IncidentEventInput,
} from './incident-event.entity.js';
export {
  INCIDENT_EVENT_TYPES,
  NOTE_MAX_LENGTH,
  SYSTEM_ACTOR,
  incidentEvent,
} from './incident-event.entity.js';
export type { EscalationStep, EscalationStepInput } from './escalation-step.js';
export {
  MAX_ESCALATION_STEPS,
  MAX_POLICY_ESCALATION_STEPS,
  escalationPolicy,
  dueSteps,
  escalationStart,
} from './escalation-step.js';
export type {
  IncidentOpenedPayload,
  IncidentResolvedPayload,
  IncidentAcknowledgedPayload,
  IncidentEscalatedPayload,
  EscalationOnCall,
  IncidentOpened,
  IncidentResolved,
  IncidentAcknowledged,
  IncidentEscalated,
  IncidentDomainEvent,
} from './incident.events.js';
export { INCIDENT_AGGREGATE_TYPE } from './incident.events.js';
export type { IncidentSnapshot } from './incident-state.js';
export { TITLE_MAX_LENGTH, ROOT_CAUSE_MAX_LENGTH } from './incident-state.js';
export type {
  OpenIncidentInput,
  AlertSignal,
  AlertResolvedSignal,
  SloSignal,
  SloBurnRateAlertSignal,
  SloBurnRateAlertResolvedSignal,
  OpenFromSloBurnRateAlertInput,
  OpenFromAlertInput,
  OpenFromSloBreachInput,
  SignalIntake,
  OnCallLookup,
  ActorCommand,
  NoteCommand,
  ResolveCommand,
  PostmortemNoteCommand,
} from './incident-inputs.js';
export { Incident } from './incident.aggregate.js';
export { alertTitle, sloTitle, sloBurnRateTitle } from './incident-payloads.js';
export type { IncidentCommand, IncidentCommandType } from './incident-commands.js';
export { executeIncidentCommand } from './incident-commands.js';
