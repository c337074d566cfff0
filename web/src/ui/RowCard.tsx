import { Box, Group, Paper, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';

/** `data-testid`, `data-id`… passed through to the card, as a table row carries them. */
type DataAttributes = { [key: `data-${string}`]: string | undefined };

/**
 * What a table becomes on a phone (usePhone): a column of cards under the table's own test id, marked
 * `data-layout="cards"` so that a journey can tell which layout it sees.
 */
export function CardList({ testId, children }: { testId: string; children: ReactNode }) {
  return (
    <Stack gap="xs" data-testid={testId} data-layout="cards">
      {children}
    </Stack>
  );
}

/**
 * One row of a table on a phone: its name on top (with the row's main figure or badge at the right), the
 * other columns as labelled lines, then its actions — all within the screen's width, so that nothing needs
 * a sideways scroll and every action is in view.
 */
export function RowCard({
  title,
  aside,
  children,
  actions,
  ...data
}: {
  title: ReactNode;
  aside?: ReactNode;
  children?: ReactNode;
  actions?: ReactNode;
} & DataAttributes) {
  return (
    <Paper withBorder p="sm" radius="md" {...data}>
      <Stack gap={6}>
        <Group justify="space-between" align="flex-start" wrap="nowrap" gap="xs">
          <Box miw={0} style={{ overflowWrap: 'anywhere' }}>
            {title}
          </Box>
          {aside && <Box style={{ flexShrink: 0, textAlign: 'right' }}>{aside}</Box>}
        </Group>
        {children}
        {actions && (
          <Group gap={6} wrap="wrap">
            {actions}
          </Group>
        )}
      </Stack>
    </Paper>
  );
}

/** A card's columns as "label — value" lines: a description list, so each value is read with its label. */
export function CardFacts({ children }: { children: ReactNode }) {
  return (
    // Each fact is a <div> straight inside the <dl>, the one wrapper around a <dt>/<dd> pair HTML allows.
    <Box component="dl" m={0} style={{ display: 'flex', flexDirection: 'column', gap: 4 }}>
      {children}
    </Box>
  );
}

/** One column of a row in a card: its header as the label, its cell as the value (which keeps the cell's test id). */
export function CardFact({
  label,
  children,
  testId,
}: {
  label: ReactNode;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <Group justify="space-between" align="baseline" gap={4} wrap="wrap">
      <Text component="dt" size="sm" c="gray.7">
        {label}
      </Text>
      <Text
        component="dd"
        size="sm"
        m={0}
        ta="right"
        miw={0}
        style={{ overflowWrap: 'anywhere' }}
        data-testid={testId}
      >
        {children}
      </Text>
    </Group>
  );
}
