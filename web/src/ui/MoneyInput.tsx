import { TextInput, type TextInputProps } from '@mantine/core';

/** A text field for an amount in major units; forms turn it into minor units with parseMoneyInput. */
export function MoneyInput(props: TextInputProps & { currency: string }) {
  const { currency, ...rest } = props;
  return (
    <TextInput
      inputMode="decimal"
      autoComplete="off"
      rightSection={currency}
      rightSectionWidth={48}
      {...rest}
    />
  );
}
