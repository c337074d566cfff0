import { useTranslation } from 'react-i18next';
import type { MethodType } from '../api/types';
import { formatExpiry } from './dates';

export interface MethodLike {
  type: MethodType;
  brand?: string;
  last4: string;
  expMonth?: number;
  expYear?: number;
}

export function usePaymentMethodLabel(): (method: MethodLike, withExpiry?: boolean) => string {
  const { t } = useTranslation();
  return (method, withExpiry = false) => {
    if (method.type === 'echeck') return t('paymentMethod.echeck', { last4: method.last4 });
    const label = t('paymentMethod.card', { brand: method.brand ?? '', last4: method.last4 });
    const expiry = formatExpiry(method.expMonth, method.expYear);
    return withExpiry && expiry ? `${label} (${expiry})` : label;
  };
}

export function PaymentMethodLabel({ method, withExpiry }: { method: MethodLike; withExpiry?: boolean }) {
  const label = usePaymentMethodLabel();
  return <span>{label(method, withExpiry)}</span>;
}
