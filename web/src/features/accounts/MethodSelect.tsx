import { Select, type SelectProps } from '@mantine/core';
import type { MethodType } from '../../api/schema';
import { usePaymentMethodLabel } from '../../ui/PaymentMethodLabel';
import type { PaymentMethod } from './api';

/** A select of the account's cards and bank accounts (optionally of one type), labelled like elsewhere. */
export function PaymentMethodSelect(
  props: Omit<SelectProps, 'data'> & { methods: PaymentMethod[]; type?: MethodType },
) {
  const { methods, type, ...rest } = props;
  const label = usePaymentMethodLabel();
  const data = methods
    .filter((method) => !type || method.type === type)
    .map((method) => ({ value: method.id, label: label(method, true) }));
  return <Select data={data} allowDeselect={false} {...rest} />;
}
