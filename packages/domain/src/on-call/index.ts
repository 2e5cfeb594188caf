export type {
  RotationUnit,
  ScheduleLayer,
  ScheduleOverride,
  ScheduleLayerInput,
  ScheduleOverrideInput,
  ScheduleConfigInput,
  CreateScheduleInput,
  ScheduleSnapshot,
} from './schedule.aggregate.js';
export {
  SCHEDULE_NAME_MAX_LENGTH,
  MEMBER_MAX_LENGTH,
  MAX_SCHEDULE_LAYERS,
  MAX_LAYER_MEMBERS,
  MAX_SCHEDULE_OVERRIDES,
  MAX_ROTATION_LENGTH,
  ROTATION_UNITS,
  Schedule,
} from './schedule.aggregate.js';
export type { OnCall, LayerTurn } from './on-call.js';
export { onCallAt, layerTurnAt, overrideAt } from './on-call.js';
export type {
  PolicyStep,
  PolicyStepInput,
  EscalationPolicyConfigInput,
  CreateEscalationPolicyInput,
  EscalationPolicySnapshot,
} from './escalation-policy.aggregate.js';
export {
  ESCALATION_POLICY_NAME_MAX_LENGTH,
  MAX_POLICY_STEPS,
  MAX_STEP_TARGETS,
  MAX_POLICY_REPEATS,
  MAX_POLICY_DELAY_MINUTES,
  EscalationPolicy,
} from './escalation-policy.aggregate.js';
export type { LocalDate } from './zoned-time.js';
export { timeZone, zonedInstant, offsetAt } from './zoned-time.js';
