import { Paper, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatInstant } from '../ui/dates';
import { Money } from '../ui/Money';
import { useLocale } from '../ui/useLocale';
import type { PortalSession } from './api';

/**
 * What this link is for, named the way only the real sender can: the organization, the amount and the
 * card's last 4 digits, so the owner can tell a genuine link from a phishing copy.
 */
export function PortalLinkSummary({ session }: { session: PortalSession }) {
  const { t } = useTranslation();
  const locale = useLocale();
  const { link, organization } = session;
  const card = link.card;
  const payment = session.failedPayments[0];
  return (
    <Paper withBorder p="sm" data-testid="portal-link-summary" data-purpose={link.purpose}>
      <Text size="sm">
        {link.purpose === 'failed_payment' && payment ? (
          <>
            {t('portal.link.forPayment', { organization: organization.name })}{' '}
            <strong>
              <Money minor={payment.amount} currency={session.currency} />
            </strong>
            {card ? ` ${t('portal.link.withCard', { brand: card.brand, last4: card.last4 })}` : ''}
          </>
        ) : card ? (
          t('portal.link.forCard', {
            organization: organization.name,
            brand: card.brand,
            last4: card.last4,
            expiry: `${String(card.expMonth).padStart(2, '0')}/${card.expYear}`,
          })
        ) : (
          t('portal.link.generic', { organization: organization.name })
        )}
      </Text>
      <Text size="xs" c="dimmed">
        {t('portal.link.expires', { at: formatInstant(link.expiresAt, locale, organization.timezone) })}
      </Text>
    </Paper>
  );
}
