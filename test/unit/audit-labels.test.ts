import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS } from '../../src/modules/audit/audit.actions';
import { enCA } from '../../web/src/i18n/en-CA';
import { frCA } from '../../web/src/i18n/fr-CA';

/**
 * The audit log shows every action in the viewer's language: AUDIT_ACTIONS is the list
 * AuditService.record() accepts (the type check holds every writer to it), so a new action code without a
 * label in either dictionary fails here.
 */
describe('audit action labels', () => {
  for (const [language, dictionary] of [
    ['en-CA', enCA],
    ['fr-CA', frCA],
  ] as const) {
    it(`labels every action the code writes in ${language}`, () => {
      const labels = dictionary.auditLog.actions as Record<string, string>;
      const missing = AUDIT_ACTIONS.filter((action) => !labels[action]?.trim());
      expect(missing).toEqual([]);
      expect(Object.keys(labels).sort()).toEqual([...AUDIT_ACTIONS].sort());
    });
  }

  it('gives every action a label of its own in each language', () => {
    for (const dictionary of [enCA, frCA]) {
      const labels = Object.values(dictionary.auditLog.actions);
      expect(new Set(labels).size).toBe(labels.length);
    }
  });
});
