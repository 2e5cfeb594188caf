export type {
  MatcherOperator,
  LabelMatcher,
  LabelMatcherInput,
  CompiledMatcher,
  MatcherCodePrefix,
} from './label-matcher.js';
export {
  MATCHER_OPERATORS,
  MATCHER_NAME_MAX_LENGTH,
  MATCHER_VALUE_MAX_LENGTH,
  MATCHER_REGEX_MAX_LENGTH,
  MATCHERS_MAX,
  MATCHER_REGEX_MAX_REPETITIONS,
  anchoredRegex,
  compileMatcher,
  labelMatcher,
  labelMatchers,
  matchesAll,
  unboundedRegexReason,
} from './label-matcher.js';
export type { SilenceState, SilenceSnapshot, CreateSilenceInput } from './silence.aggregate.js';
export {
  SILENCE_STATES,
  SILENCE_COMMENT_MAX_LENGTH,
  SILENCE_CREATED_BY_MAX_LENGTH,
  SILENCE_MAX_DURATION_MS,
  Silence,
  silenceMatches,
  silenceStateAt,
} from './silence.aggregate.js';
