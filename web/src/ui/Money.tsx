import { formatMoney } from './money';
import { useLocale } from './useLocale';

export function Money({ minor, currency }: { minor: number; currency: string }) {
  const locale = useLocale();
  return <span style={{ whiteSpace: 'nowrap' }}>{formatMoney(minor, currency, locale)}</span>;
}
