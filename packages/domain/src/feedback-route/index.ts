export type {
  FeedbackRouteLabel,
  FeedbackRouteLabels,
  FeedbackRouteSnapshot,
  FeedbackRouteInput,
  FeedbackRouting,
} from './feedback-route.aggregate.js';
export {
  FEEDBACK_ROUTE_LABELS,
  FEEDBACK_ROUTE_NAME_MAX_LENGTH,
  FEEDBACK_ROUTE_POSITION_MAX,
  FeedbackRoute,
  firstMatchingRoute,
  routingOrder,
} from './feedback-route.aggregate.js';
