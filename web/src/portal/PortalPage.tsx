import { Container, Group, Image, Stack, Text, Title } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { isApiError } from '../api/client';
import { changeLocale } from '../i18n';
import { LanguageSwitch } from '../ui/LanguageSwitch';
import { QueryStatus } from '../ui/QueryStatus';
import type { PortalCard } from './api';
import { usePortalSession } from './api';
import { InvalidLink } from './InvalidLink';
import { PortalCardForm } from './PortalCardForm';
import { PortalFailedPayment } from './PortalFailedPayment';
import { PortalLinkSummary } from './PortalLinkSummary';
import { PortalStripeForm } from './PortalStripeForm';

const LINK_REFUSED = [400, 401, 403, 404, 410];

/** The portal speaks the account owner's language until they pick another one. */
function useOwnerLocale(locale: string | undefined) {
  const applied = useRef(false);
  useEffect(() => {
    if (!locale || applied.current) return;
    applied.current = true;
    if (locale === 'fr-CA' || locale === 'en-CA') void changeLocale(locale, false);
  }, [locale]);
}

export function PortalPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const session = usePortalSession(token);
  const [savedCardId, setSavedCardId] = useState<string | null>(null);
  // A bank account saved here is not one of the session's wallet cards: it is offered to pay with all the same.
  const [savedBanks, setSavedBanks] = useState<(PortalCard & { type: 'echeck' })[]>([]);
  const saved = (method: PortalCard & { type: 'card' | 'echeck' }) => {
    setSavedCardId(method.id);
    if (method.type === 'echeck') setSavedBanks((banks) => [...banks, { ...method, type: 'echeck' }]);
  };
  const gateway = session.data?.gateway;
  useOwnerLocale(session.data?.account.locale);

  const refused = token === '' || (isApiError(session.error) && LINK_REFUSED.includes(session.error.status));

  return (
    <Container size="sm" py="xl" component="main">
      <Group justify="space-between" mb="lg">
        <Group>
          {session.data?.organization.logoUrl && (
            <Image
              src={session.data.organization.logoUrl}
              alt={session.data.organization.name}
              h={48}
              w="auto"
              fit="contain"
            />
          )}
          <Text fw={700} size="xl" data-testid="portal-organization">
            {session.data?.organization.name ?? 'Recoup'}
          </Text>
        </Group>
        <LanguageSwitch persist={false} />
      </Group>
      {refused ? (
        <InvalidLink />
      ) : !session.isSuccess ? (
        <QueryStatus query={session} />
      ) : (
        <Stack>
          <Title order={1} size="h2">
            {t('portal.greeting', { name: session.data.account.ownerName })}
          </Title>
          <PortalLinkSummary session={session.data} />
          {session.data.failedPayments.length === 0 ? (
            <Text data-testid="portal-nothing-due">{t('portal.nothingDue')}</Text>
          ) : (
            <>
              <Text>{t('portal.intro')}</Text>
              {session.data.failedPayments.map((payment) => (
                <PortalFailedPayment
                  key={payment.id}
                  token={token}
                  payment={payment}
                  currency={session.data.currency}
                  cards={[...session.data.cards, ...savedBanks]}
                  preferredCardId={savedCardId}
                  timeZone={session.data.organization.timezone}
                />
              ))}
            </>
          )}
          {gateway?.name === 'stripe' ? (
            <>
              <PortalStripeForm token={token} type="card" onSaved={saved} />
              {gateway.bankAccounts && <PortalStripeForm token={token} type="echeck" onSaved={saved} />}
            </>
          ) : (
            <PortalCardForm token={token} onSaved={(card) => setSavedCardId(card.id)} />
          )}
          <Text size="sm">
            {t('portal.contact', { name: session.data.organization.name })}{' '}
            <a href={`mailto:${session.data.organization.contactEmail}`}>
              {session.data.organization.contactEmail}
            </a>
          </Text>
        </Stack>
      )}
    </Container>
  );
}
