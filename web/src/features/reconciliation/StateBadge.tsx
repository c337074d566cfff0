import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { RowOutcome } from './outcomes';

const COLORS: Record<RowOutcome['state'], string> = {
  reconciled: 'teal.9',
  debit_remaining: 'orange.9',
  credit_remaining: 'blue.9',
  undone: 'gray.8',
};

export function StateBadge({ state }: { state: RowOutcome['state'] }) {
  const { t } = useTranslation();
  return (
    <Badge color={COLORS[state]} variant="filled" data-testid="ra-state" data-state={state}>
      {t(`reconcile.state.${state}`)}
    </Badge>
  );
}
