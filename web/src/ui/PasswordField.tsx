import { PasswordInput, type PasswordInputProps } from '@mantine/core';
import { useId } from 'react';

/**
 * Mantine's PasswordInput draws its error but does not mark its own input (no aria-invalid, no
 * aria-describedby, unlike TextInput): a screen reader is not told, and the form's checks cannot find it to
 * move the focus there (fieldChecks.ts). This one does, with the error's id as Mantine names it.
 */
export function PasswordField(props: PasswordInputProps) {
  const generated = useId();
  const id = props.id ?? generated;
  const invalid = Boolean(props.error);
  return (
    <PasswordInput
      {...props}
      id={id}
      aria-invalid={invalid || undefined}
      aria-describedby={invalid ? `${id}-error` : undefined}
    />
  );
}
