import { ensure } from '../kernel/domain-error.js';
import { requiredText } from '../kernel/ids.js';

/** Longest projectId or moduleId of a scope. */
export const ALERT_SCOPE_ID_MAX_LENGTH = 256;

/** Value object: the project (and optionally one module of it) a rule watches. */
export interface AlertScope {
  readonly projectId: string;
  /** null: the rule covers the whole project. */
  readonly moduleId: string | null;
}

export interface AlertScopeInput {
  readonly projectId: string;
  readonly moduleId?: string | null;
}

export function alertScope(input: AlertScopeInput): AlertScope {
  const moduleId = input.moduleId ?? null;
  ensure(
    moduleId === null || (moduleId.trim() !== '' && moduleId.length <= ALERT_SCOPE_ID_MAX_LENGTH),
    'alert_rule.invalid_module',
    'scope.moduleId must be null or a non-empty identifier',
  );
  return {
    projectId: requiredText(
      input.projectId,
      'scope.projectId',
      'alert_rule.project_required',
      ALERT_SCOPE_ID_MAX_LENGTH,
    ),
    moduleId,
  };
}

export function sameAlertScope(a: AlertScope, b: AlertScope): boolean {
  return a.projectId === b.projectId && a.moduleId === b.moduleId;
}
