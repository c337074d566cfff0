import { Alert, Button, Checkbox, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { loadStripe, type Stripe, type StripeElements } from '@stripe/stripe-js';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { notifySuccess } from '../../ui/errors';
import { useAddGatewayToken, useStripeSetupIntent } from './api';

const stripes = new Map<string, Promise<Stripe | null>>();
/** Stripe.js is loaded from js.stripe.com once per publishable key (Stripe requires it from there). */
const stripeFor = (publishableKey: string) => {
  let s = stripes.get(publishableKey);
  if (!s) {
    s = loadStripe(publishableKey);
    stripes.set(publishableKey, s);
  }
  return s;
};

/**
 * The live gateway's wallet form: a SetupIntent from Recoup, the Payment Element (Stripe's own iframe: the card
 * or bank numbers never touch this page's code or Recoup's server), `confirmSetup`, then only the resulting
 * `pm_…` ID is sent to Recoup. For bank accounts the Payment Element shows the PAD (acss_debit) or ACH
 * (us_bank_account) mandate, and Stripe records its acceptance with the SetupIntent.
 */
export function StripeMethodForm({ accountId, type }: { accountId: string; type: 'card' | 'echeck' }) {
  const { t, i18n } = useTranslation();
  const setup = useStripeSetupIntent(accountId);
  const save = useAddGatewayToken(accountId);
  const mount = useRef<HTMLDivElement>(null);
  const [ready, setReady] = useState<{ stripe: Stripe; elements: StripeElements } | null>(null);
  const [saveToWallet, setSaveToWallet] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const start = () => {
    setError(null);
    setup.mutate(type, {
      onSuccess: async (si) => {
        const stripe = await stripeFor(si.publishableKey);
        if (!stripe || !mount.current) return setError('Stripe.js could not be loaded.');
        const elements = stripe.elements({
          clientSecret: si.clientSecret,
          locale: i18n.language.startsWith('fr') ? 'fr-CA' : 'en',
        });
        elements.create('payment').mount(mount.current);
        setReady({ stripe, elements });
      },
    });
  };
  useEffect(() => () => ready?.elements.getElement('payment')?.destroy(), [ready]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!ready) return;
    setBusy(true);
    setError(null);
    const result = await ready.stripe.confirmSetup({ elements: ready.elements, redirect: 'if_required' });
    setBusy(false);
    if (result.error) return setError(result.error.message ?? 'Stripe refused these details.');
    const pm = result.setupIntent.payment_method;
    const gatewayToken = typeof pm === 'string' ? pm : pm?.id;
    if (!gatewayToken) return setError('Stripe returned no payment method.');
    save.mutate(
      { type, gatewayToken, saveToWallet },
      {
        onSuccess: () => {
          ready.elements.getElement('payment')?.destroy();
          setReady(null);
          notifySuccess(t('wallet.added'));
        },
      },
    );
  };

  return (
    <Paper withBorder p="md" maw={560}>
      <Title order={2} size="h4" mb="sm">
        {type === 'card' ? t('gateway.addCard') : t('gateway.addBank')}
      </Title>
      <form onSubmit={submit} noValidate data-testid={`stripe-${type}-form`}>
        <Stack>
          <div ref={mount} />
          {!ready && (
            <Button variant="default" onClick={start} loading={setup.isPending}>
              {t('gateway.start')}
            </Button>
          )}
          {ready && type === 'echeck' && <Text size="sm">{t('gateway.mandate')}</Text>}
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          {ready && (
            <>
              <Checkbox
                label={t('wallet.saveToWallet')}
                checked={saveToWallet}
                onChange={(event) => setSaveToWallet(event.currentTarget.checked)}
              />
              <Group justify="flex-end">
                <Button type="submit" loading={busy || save.isPending}>
                  {t('gateway.save')}
                </Button>
              </Group>
            </>
          )}
        </Stack>
      </form>
    </Paper>
  );
}
