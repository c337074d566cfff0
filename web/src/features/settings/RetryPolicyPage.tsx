import {
  Button,
  Group,
  Modal,
  NumberInput,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  TextInput,
  Title,
} from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCan, useOrganization } from '../../admin/session';
import { isApiError } from '../../api/client';
import { notifySuccess } from '../../ui/errors';
import { checks, useFieldChecks } from '../../ui/fieldChecks';
import { MoneyInput } from '../../ui/MoneyInput';
import { currencyDigits, decimalSeparator, parseMoneyInput, toMoneyInput } from '../../ui/money';
import { QueryStatus } from '../../ui/QueryStatus';
import { useLocale } from '../../ui/useLocale';
import {
  type DunningEmail,
  type RetryPolicy,
  useDunningPreview,
  useRetryPolicy,
  useUpdateRetryPolicy,
} from './retryPolicyApi';

/** The API's messages for a field and everything under it ("card.offsetsDays", "card.offsetsDays.2"). */
function errorsUnder(error: unknown, prefix: string): string | undefined {
  if (!isApiError(error)) return undefined;
  const messages = error.fieldErrors
    .filter((e) => {
      const field = e.field
        .replace(/^\//, '')
        .replace(/^body\./, '')
        .replace(/\//g, '.');
      return field === prefix || field.startsWith(`${prefix}.`);
    })
    .map((e) => e.message);
  return messages.length > 0 ? [...new Set(messages)].join(' · ') : undefined;
}

/** The route's limits (src/modules/recovery/retry-policy.ts): at most 8 retries, each 1 to 60 days after. */
const MAX_CARD_RETRIES = 8;
const MAX_OFFSET_DAYS = 60;

/** The retry days as typed ("1, 3, 5"), or null unless each is a whole day in range, strictly increasing. */
function parseOffsets(text: string): number[] | null {
  const parts = text.split(/[,;\s]+/).filter(Boolean);
  if (parts.length > MAX_CARD_RETRIES || parts.some((part) => !/^\d+$/.test(part))) return null;
  const days = parts.map(Number);
  const ok = days.every(
    (day, index) => day >= 1 && day <= MAX_OFFSET_DAYS && (index === 0 || day > (days[index - 1] ?? 0)),
  );
  return ok ? days : null;
}

const EMAILS: Array<[keyof RetryPolicy['emails'], DunningEmail]> = [
  ['failureNotice', 'failure-notice'],
  ['reminderBeforeRetry', 'reminder-before-retry'],
  ['finalNotice', 'final-notice'],
];

function PreviewModal({ kind, onClose }: { kind: DunningEmail; onClose: () => void }) {
  const preview = useDunningPreview(kind);
  return (
    <Modal opened onClose={onClose} size="xl" title={preview.data?.subject ?? ''}>
      <QueryStatus query={preview} />
      {preview.isSuccess && (
        <iframe
          title={preview.data.subject}
          sandbox=""
          srcDoc={preview.data.html}
          style={{ width: '100%', height: 480, border: '1px solid var(--mantine-color-gray-4)' }}
          data-testid="dunning-preview-html"
        />
      )}
    </Modal>
  );
}

function RetryPolicyForm({ policy, canEdit }: { policy: RetryPolicy; canEdit: boolean }) {
  const { t } = useTranslation();
  const update = useUpdateRetryPolicy();
  const locale = useLocale();
  const currency = useOrganization().data?.currency ?? 'CAD';
  const digits = currencyDigits(currency);
  const [draft, setDraft] = useState<RetryPolicy>(policy);
  const [offsets, setOffsets] = useState(policy.card.offsetsDays.join(', '));
  // The number fields as typed (NumberInput answers '' when emptied): checked before they become numbers.
  const [localHour, setLocalHour] = useState<number | string>(policy.card.localHour);
  const [maxRepresentments, setMaxRepresentments] = useState<number | string>(
    policy.echeck.maxRepresentments,
  );
  const [daysApart, setDaysApart] = useState<number | string>(policy.echeck.minBusinessDaysApart);
  const [returnFee, setReturnFee] = useState(
    toMoneyInput(policy.echeck.returnFeeAmount, digits, decimalSeparator(locale)),
  );
  const [preview, setPreview] = useState<DunningEmail | null>(null);
  const c = checks(t);
  const check = useFieldChecks(() => ({
    'card.offsetsDays':
      parseOffsets(offsets) === null
        ? t('fieldCheck.offsets', { max: MAX_CARD_RETRIES, days: MAX_OFFSET_DAYS })
        : undefined,
    'card.localHour': c.wholeNumber(0, 23)(String(localHour)),
    'echeck.maxRepresentments': c.wholeNumber(0, 2)(String(maxRepresentments)),
    'echeck.minBusinessDaysApart': c.wholeNumber(1, 30)(String(daysApart)),
    'echeck.returnFeeAmount': c.amount(digits, { zero: true })(returnFee),
  }));
  const err = (field: keyof typeof check.errors) => check.errors[field] ?? errorsUnder(update.error, field);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const offsetsDays = parseOffsets(offsets);
    const fee = parseMoneyInput(returnFee, digits, { allowZero: true });
    if (!check.passes(event) || offsetsDays === null || fee === null) return update.reset();
    update.mutate(
      {
        ...draft,
        card: { ...draft.card, offsetsDays, localHour: Number(localHour) },
        echeck: {
          maxRepresentments: Number(maxRepresentments),
          minBusinessDaysApart: Number(daysApart),
          returnFeeAmount: fee,
        },
      },
      { onSuccess: () => notifySuccess(t('settings.saved')) },
    );
  };

  return (
    <Paper withBorder p="md" maw={720}>
      <Title order={2} size="h4" mb="sm">
        {t('retryPolicy.title')}
      </Title>
      <form onSubmit={submit} noValidate data-testid="retry-policy-form">
        <Stack>
          <Title order={3} size="h6">
            {t('retryPolicy.cardTitle')}
          </Title>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput
              label={t('retryPolicy.offsets')}
              description={t('retryPolicy.offsetsHelp')}
              disabled={!canEdit}
              value={offsets}
              onChange={(event) => setOffsets(event.currentTarget.value)}
              error={err('card.offsetsDays')}
              data-testid="policy-offsets"
            />
            <NumberInput
              label={t('retryPolicy.localHour')}
              disabled={!canEdit}
              value={localHour}
              onChange={setLocalHour}
              allowDecimal={false}
              error={err('card.localHour')}
              data-testid="policy-local-hour"
            />
          </SimpleGrid>
          <Switch
            label={t('retryPolicy.preferPaydays')}
            disabled={!canEdit}
            checked={draft.card.preferPaydays}
            onChange={(event) =>
              setDraft({ ...draft, card: { ...draft.card, preferPaydays: event.currentTarget.checked } })
            }
          />
          <Title order={3} size="h6">
            {t('retryPolicy.echeckTitle')}
          </Title>
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <NumberInput
              label={t('retryPolicy.maxRepresentments')}
              disabled={!canEdit}
              min={0}
              max={2}
              allowDecimal={false}
              value={maxRepresentments}
              onChange={setMaxRepresentments}
              error={err('echeck.maxRepresentments')}
              data-testid="policy-max-representments"
            />
            <NumberInput
              label={t('retryPolicy.minBusinessDaysApart')}
              disabled={!canEdit}
              allowDecimal={false}
              value={daysApart}
              onChange={setDaysApart}
              error={err('echeck.minBusinessDaysApart')}
              data-testid="policy-days-apart"
            />
            <MoneyInput
              label={t('retryPolicy.returnFee')}
              disabled={!canEdit}
              currency={currency}
              value={returnFee}
              onChange={(event) => setReturnFee(event.currentTarget.value)}
              error={err('echeck.returnFeeAmount')}
              data-testid="policy-return-fee"
            />
          </SimpleGrid>
          <Select
            label={t('retryPolicy.afterLastRetry')}
            disabled={!canEdit}
            allowDeselect={false}
            data={(['leave_open', 'pause', 'cancel'] as const).map((value) => ({
              value,
              label: t(`retryPolicy.after.${value}`),
            }))}
            value={draft.afterLastRetry}
            onChange={(value) =>
              value && setDraft({ ...draft, afterLastRetry: value as RetryPolicy['afterLastRetry'] })
            }
            error={errorsUnder(update.error, 'afterLastRetry')}
          />
          <Title order={3} size="h6">
            {t('retryPolicy.emailsTitle')}
          </Title>
          {EMAILS.map(([key, kind]) => (
            <Group key={key} justify="space-between" wrap="nowrap">
              <Switch
                label={t(`retryPolicy.emails.${key}`)}
                disabled={!canEdit}
                checked={draft.emails[key]}
                onChange={(event) =>
                  setDraft({ ...draft, emails: { ...draft.emails, [key]: event.currentTarget.checked } })
                }
                data-testid={`policy-email-${kind}`}
              />
              <Button
                size="compact-sm"
                variant="default"
                style={{ flexShrink: 0 }}
                onClick={() => setPreview(kind)}
                data-testid={`policy-preview-${kind}`}
              >
                {t('retryPolicy.preview')}
              </Button>
            </Group>
          ))}
          {canEdit && (
            <Group>
              <Button type="submit" loading={update.isPending} data-testid="policy-save">
                {t('retryPolicy.save')}
              </Button>
            </Group>
          )}
        </Stack>
      </form>
      {preview && <PreviewModal kind={preview} onClose={() => setPreview(null)} />}
    </Paper>
  );
}

/** Settings → Automatic retries: the organization's retry policy (RC1, RC3) and its dunning e-mails. */
export function RetryPolicyPage() {
  const can = useCan();
  const policy = useRetryPolicy();
  if (!policy.isSuccess) return <QueryStatus query={policy} />;
  return <RetryPolicyForm policy={policy.data} canEdit={can('settings.manage')} />;
}
