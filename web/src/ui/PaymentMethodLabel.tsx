import { Group, Text, Tooltip, VisuallyHidden } from '@mantine/core';
import { IconBrandMastercard, IconBrandVisa, IconBuildingBank, IconCreditCard } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import type { MethodType } from '../api/schema';
import { cardBrandName } from './cardBrand';
import { formatExpiry } from './dates';

export interface MethodLike {
  type: MethodType;
  brand?: string | null;
  last4: string;
  expMonth?: number | null;
  expYear?: number | null;
}

export function usePaymentMethodLabel(): (method: MethodLike, withExpiry?: boolean) => string {
  const { t } = useTranslation();
  return (method, withExpiry = false) => {
    if (method.type === 'echeck') return t('paymentMethod.echeck', { last4: method.last4 });
    const label = t('paymentMethod.card', { brand: cardBrandName(method.brand), last4: method.last4 });
    const expiry = formatExpiry(method.expMonth, method.expYear);
    return withExpiry && expiry ? `${label} (${expiry})` : label;
  };
}

export function PaymentMethodLabel({ method, withExpiry }: { method: MethodLike; withExpiry?: boolean }) {
  const label = usePaymentMethodLabel();
  return <span>{label(method, withExpiry)}</span>;
}

const BRAND_ICONS: Record<string, typeof IconCreditCard> = {
  visa: IconBrandVisa,
  mastercard: IconBrandMastercard,
};

/**
 * A payment method on one line for dense tables: an icon (card brand or bank), the brand, "•••• 1234". The
 * whole label ("Chèque électronique •••• 1234") is what assistive technology reads and the mouse shows.
 */
export function CompactPaymentMethod({ method }: { method: MethodLike }) {
  const label = usePaymentMethodLabel();
  const full = label(method);
  const Icon =
    method.type === 'echeck'
      ? IconBuildingBank
      : (method.brand && BRAND_ICONS[method.brand]) || IconCreditCard;
  return (
    <Tooltip label={full} openDelay={300}>
      <Group gap={6} wrap="nowrap" data-method-type={method.type}>
        <Icon size={22} stroke={1.5} aria-hidden="true" style={{ flexShrink: 0 }} />
        <Text size="sm" span style={{ whiteSpace: 'nowrap' }} aria-hidden="true">
          {/* A brand's icon is its name (the Visa icon reads VISA); other brands are spelt out. */}
          {method.type === 'card' && method.brand && !BRAND_ICONS[method.brand]
            ? `${cardBrandName(method.brand)} `
            : ''}
          •••• {method.last4}
        </Text>
        <VisuallyHidden>{full}</VisuallyHidden>
      </Group>
    </Tooltip>
  );
}
