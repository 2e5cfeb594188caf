import { firstMatchingRoute, type FeedbackItem } from '@obs/domain';
import type { Transaction } from '@obs/service-kit';
import { routingRules } from './feedback-route.repository.js';

/**
 * Routes a new item by the tenant's rules, in the transaction that creates it: the first rule
 * (by position) whose matchers all match sends it to its target, and the item's
 * FeedbackItemRouted names the rule and its receiver. No match: the item stays captured, to be
 * routed by hand. Rules are read as they stand now; a later change of a rule moves nothing.
 */
export async function routeOnCreation(
  tx: Transaction,
  item: FeedbackItem,
  tenantId: string,
  at: string,
): Promise<void> {
  const routing = firstMatchingRoute(await routingRules(tx, tenantId), item.routeLabels());
  if (routing === null) return;
  item.route({
    to: routing.to,
    at,
    feedbackRouteId: routing.feedbackRouteId,
    receiverId: routing.receiverId,
  });
}
