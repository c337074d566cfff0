import { Group, NumberInput, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { CardDraft, CardProblems } from './cardCheck';
import { fieldError } from './errors';

export { type CardDraft, type CardProblems, checkCard, emptyCard } from './cardCheck';

/** Sandbox card entry shared by the account wallet and the customer portal. */
export function CardFields(props: {
  value: CardDraft;
  onChange: (value: CardDraft) => void;
  error: unknown;
  /** problems found before sending (checkCard); they win over the server's answer */
  problems?: CardProblems;
}) {
  const { t } = useTranslation();
  const { value, onChange, error } = props;
  const problem = (field: keyof CardDraft) => {
    const found = props.problems?.[field];
    return found ? t(`card.problems.${found}`) : fieldError(error, field);
  };
  return (
    <>
      <TextInput
        label={t('card.number')}
        inputMode="numeric"
        autoComplete="cc-number"
        required
        value={value.number}
        onChange={(event) => onChange({ ...value, number: event.currentTarget.value })}
        error={problem('number')}
        data-testid="card-number"
      />
      <Group grow align="flex-start">
        <NumberInput
          label={t('card.expMonth')}
          autoComplete="cc-exp-month"
          min={1}
          max={12}
          required
          value={value.expMonth}
          onChange={(expMonth) => onChange({ ...value, expMonth })}
          error={problem('expMonth')}
          data-testid="card-exp-month"
        />
        <NumberInput
          label={t('card.expYear')}
          autoComplete="cc-exp-year"
          min={2000}
          max={2100}
          required
          value={value.expYear}
          onChange={(expYear) => onChange({ ...value, expYear })}
          error={problem('expYear')}
          data-testid="card-exp-year"
        />
        <TextInput
          label={t('card.cvc')}
          inputMode="numeric"
          autoComplete="cc-csc"
          required
          value={value.cvc}
          onChange={(event) => onChange({ ...value, cvc: event.currentTarget.value })}
          error={problem('cvc')}
          data-testid="card-cvc"
        />
      </Group>
    </>
  );
}

export function cardPayload(draft: CardDraft) {
  return {
    number: draft.number.replace(/\s/g, ''),
    expMonth: Number(draft.expMonth),
    expYear: Number(draft.expYear),
    cvc: draft.cvc.trim(),
  };
}
