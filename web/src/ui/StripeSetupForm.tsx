import { Alert, Button, Checkbox, Group, Paper, Stack, Text, Title } from '@mantine/core';
// The pure entry: the main one injects js.stripe.com's script on import, on every page, sandbox included.
import type { Stripe, StripeElements } from '@stripe/stripe-js';
import { loadStripe } from '@stripe/stripe-js/pure';
import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client';

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

/** What Recoup answers for a SetupIntent (the admin wallet's and the portal's endpoints answer the same). */
export interface StripeSetupIntent {
  clientSecret: string;
  publishableKey: string;
  setupIntentId: string;
  mandate: { kind: string; version: string; text: string } | null;
}

/** What the form hands back once Stripe confirmed the SetupIntent: IDs only, never a number. */
export interface StripeSetupResult {
  gatewayToken: string;
  setupIntentId: string;
  mandateAccepted: boolean;
}

/**
 * The live gateway's card / bank account form, for the admin wallet and the customer portal alike: a SetupIntent
 * from Recoup, the Payment Element (Stripe's own iframe: the card or bank numbers never touch this page's code
 * or Recoup's server), `confirmSetup`, then only the resulting `pm_…` and SetupIntent IDs go to `save`. For a
 * bank account the mandate Recoup answered with the SetupIntent is shown with its acceptance box (Stripe's
 * Payment Element shows its own PAD / ACH agreement too); nothing is confirmed until it is ticked.
 */
export function StripeSetupForm(props: {
  type: 'card' | 'echeck';
  title: string;
  hint?: ReactNode;
  /** the acceptance box's label (the owner accepts; in the admin wallet, the administrator attests it) */
  mandateLabel: string;
  testId: string;
  createSetupIntent: () => Promise<StripeSetupIntent>;
  save: (result: StripeSetupResult) => Promise<unknown>;
  busy?: boolean;
  /** more fields shown once the Payment Element is there (the admin wallet's "save to wallet") */
  children?: ReactNode;
}) {
  const { t, i18n } = useTranslation();
  const mount = useRef<HTMLDivElement>(null);
  const [ready, setReady] = useState<{
    stripe: Stripe;
    elements: StripeElements;
    intent: StripeSetupIntent;
  } | null>(null);
  const [accepted, setAccepted] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [working, setWorking] = useState(false);
  const message = (err: unknown) => (err instanceof ApiError ? err.message : t('gateway.unreachable'));

  const start = async () => {
    setError(null);
    setWorking(true);
    try {
      const intent = await props.createSetupIntent();
      const stripe = await stripeFor(intent.publishableKey);
      if (!stripe || !mount.current) return setError(t('gateway.loadFailed'));
      const elements = stripe.elements({
        clientSecret: intent.clientSecret,
        locale: i18n.language.startsWith('fr') ? 'fr-CA' : 'en',
      });
      elements.create('payment').mount(mount.current);
      setAccepted(false);
      setReady({ stripe, elements, intent });
    } catch (err) {
      setError(message(err));
    } finally {
      setWorking(false);
    }
  };
  useEffect(() => () => ready?.elements.getElement('payment')?.destroy(), [ready]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!ready) return;
    if (ready.intent.mandate && !accepted) return setError(t('gateway.mandateRequired'));
    setWorking(true);
    setError(null);
    try {
      const result = await ready.stripe.confirmSetup({ elements: ready.elements, redirect: 'if_required' });
      if (result.error) return setError(result.error.message ?? t('gateway.refused'));
      const pm = result.setupIntent.payment_method;
      const gatewayToken = typeof pm === 'string' ? pm : pm?.id;
      if (!gatewayToken) return setError(t('gateway.refused'));
      await props.save({
        gatewayToken,
        setupIntentId: ready.intent.setupIntentId,
        mandateAccepted: accepted,
      });
      ready.elements.getElement('payment')?.destroy();
      setReady(null);
    } catch (err) {
      setError(message(err));
    } finally {
      setWorking(false);
    }
  };

  return (
    <Paper withBorder p="md" maw={560}>
      <Title order={2} size="h4" mb="xs">
        {props.title}
      </Title>
      {props.hint && (
        <Text size="sm" mb="sm">
          {props.hint}
        </Text>
      )}
      <form onSubmit={submit} noValidate data-testid={props.testId}>
        <Stack>
          <div ref={mount} />
          {!ready && (
            <Button variant="default" onClick={start} loading={working}>
              {t('gateway.start')}
            </Button>
          )}
          {ready?.intent.mandate && (
            <>
              <Text size="sm" data-testid="stripe-mandate-text">
                {ready.intent.mandate.text}
              </Text>
              <Checkbox
                label={props.mandateLabel}
                checked={accepted}
                onChange={(event) => setAccepted(event.currentTarget.checked)}
                data-testid="stripe-mandate-accept"
              />
            </>
          )}
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          {ready && (
            <>
              {props.children}
              <Group justify="flex-end">
                <Button type="submit" loading={working || props.busy}>
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
