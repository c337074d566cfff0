import { Box, Loader, type LoaderProps, VisuallyHidden } from '@mantine/core';

/**
 * A spinner that assistive technology can announce. Mantine's Loader is a plain span without a role, so an
 * aria-label on it is prohibited (axe: aria-prohibited-attr); the name lives in a status region instead,
 * as visually hidden text, and the spinner itself is hidden from the accessibility tree.
 */
export function LoadingIndicator({
  label,
  size = 'sm',
  testId,
}: {
  label: string;
  size?: LoaderProps['size'];
  testId?: string;
}) {
  return (
    <Box role="status" display="inline-flex" data-testid={testId}>
      <Loader size={size} aria-hidden="true" />
      <VisuallyHidden>{label}</VisuallyHidden>
    </Box>
  );
}
