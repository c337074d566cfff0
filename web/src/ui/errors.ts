import { notifications } from '@mantine/notifications';
import { isApiError } from '../api/client';
import { i18n } from '../i18n';

export function errorMessage(error: unknown): string {
  if (isApiError(error)) {
    if (error.status === 0) return i18n.t('errors.network');
    return error.problem.detail || error.problem.title || i18n.t('errors.generic');
  }
  return i18n.t('errors.generic');
}

export function notifyError(error: unknown): void {
  notifications.show({ color: 'red', title: i18n.t('errors.title'), message: errorMessage(error) });
}

export function notifySuccess(message: string): void {
  notifications.show({ color: 'teal', message });
}

/** "body.amount", "/amount" and "amount" all name the form field "amount". */
function formField(field: string): string {
  return field.replace(/^\//, '').replace(/^(body|querystring|params)\./, '');
}

/** The API's field-level message for one form field, shown next to that field. */
export function fieldError(error: unknown, field: string): string | undefined {
  if (!isApiError(error)) return undefined;
  return error.fieldErrors.find((entry) => formField(entry.field) === field)?.message;
}
