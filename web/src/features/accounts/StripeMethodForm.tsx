import { Checkbox } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { notifySuccess } from '../../ui/errors';
import { StripeSetupForm } from '../../ui/StripeSetupForm';
import { useAddGatewayToken, useStripeSetupIntent } from './api';

/**
 * The live gateway's wallet form (StripeSetupForm: the Payment Element with a SetupIntent of this account):
 * only the resulting `pm_…` reaches Recoup. For a bank account the administrator confirms that the customer
 * accepted the PAD (acss_debit) or ACH (us_bank_account) mandate shown.
 */
export function StripeMethodForm({ accountId, type }: { accountId: string; type: 'card' | 'echeck' }) {
  const { t } = useTranslation();
  const setup = useStripeSetupIntent(accountId);
  const save = useAddGatewayToken(accountId);
  const [saveToWallet, setSaveToWallet] = useState(true);

  return (
    <StripeSetupForm
      type={type}
      title={type === 'card' ? t('gateway.addCard') : t('gateway.addBank')}
      mandateLabel={t('gateway.mandateAccepted')}
      testId={`stripe-${type}-form`}
      createSetupIntent={() => setup.mutateAsync(type)}
      save={async ({ gatewayToken }) => {
        await save.mutateAsync({ type, gatewayToken, saveToWallet });
        notifySuccess(t('wallet.added'));
      }}
      busy={save.isPending}
    >
      <Checkbox
        label={t('wallet.saveToWallet')}
        checked={saveToWallet}
        onChange={(event) => setSaveToWallet(event.currentTarget.checked)}
      />
    </StripeSetupForm>
  );
}
