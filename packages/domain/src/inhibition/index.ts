export type {
  InhibitionRuleSnapshot,
  InhibitionRuleInput,
  CreateInhibitionRuleInput,
  InhibitingAlert,
} from './inhibition-rule.aggregate.js';
export {
  INHIBITION_EQUAL_MAX,
  INHIBITION_COMMENT_MAX_LENGTH,
  InhibitionRule,
  inhibitingRules,
} from './inhibition-rule.aggregate.js';
