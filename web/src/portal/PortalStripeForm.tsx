import { useTranslation } from 'react-i18next';
import { notifySuccess } from '../ui/errors';
import { StripeSetupForm } from '../ui/StripeSetupForm';
import { type PortalCard, usePortalSaveCard, usePortalSetupIntent } from './api';

/**
 * The portal with the live gateway: the card (or, with a payment link, the bank account) is entered in Stripe's
 * Payment Element (StripeSetupForm) against a SetupIntent of the link's account; the portal sends Recoup only
 * the `pm_…`, its SetupIntent and, for a bank account, the owner's acceptance of the mandate shown.
 */
export function PortalStripeForm({
  token,
  type,
  onSaved,
}: {
  token: string;
  type: 'card' | 'echeck';
  onSaved: (method: PortalCard & { type: 'card' | 'echeck' }) => void;
}) {
  const { t } = useTranslation();
  const setup = usePortalSetupIntent(token);
  const save = usePortalSaveCard(token);
  return (
    <StripeSetupForm
      type={type}
      title={type === 'card' ? t('portal.cardTitle') : t('portal.bankTitle')}
      hint={type === 'card' ? t('portal.cardHint') : t('portal.bankHint')}
      mandateLabel={t('portal.mandateAccept')}
      testId={`portal-stripe-${type}-form`}
      createSetupIntent={() => setup.mutateAsync(type)}
      save={async (result) => {
        const saved = await save.mutateAsync({ type, ...result });
        notifySuccess(type === 'card' ? t('portal.cardSaved') : t('portal.bankSaved'));
        onSaved({ ...saved, type });
      }}
      busy={save.isPending}
    />
  );
}
