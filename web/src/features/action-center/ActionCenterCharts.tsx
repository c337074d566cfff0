import { BarChart, LineChart } from '@mantine/charts';
import { Paper, SimpleGrid, Stack, Text, Title, VisuallyHidden } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatDate } from '../../ui/dates';
import { formatMoney } from '../../ui/money';
import { QueryStatus } from '../../ui/QueryStatus';
import { useLocale } from '../../ui/useLocale';
import { useCharts } from './api';

// About two lines of the axis' 170 px: recharts wraps a tick label to the axis width.
const LABEL_CHARACTERS = 40;

/** Shortens a reason message for an axis label, at a word boundary where one is close, with an ellipsis. */
export function truncateLabel(text: string, max = LABEL_CHARACTERS): string {
  const clean = text.trim().replace(/\s+/g, ' ').replace(/[.]$/, '');
  if (clean.length <= max) return clean;
  const cut = clean.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space >= max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,;:–-]+$/, '')}…`;
}

export function ActionCenterCharts() {
  const { t } = useTranslation();
  const locale = useLocale();
  const charts = useCharts();
  if (!charts.isSuccess) return <QueryStatus query={charts} />;
  const { currency, failedByReason, daily } = charts.data;
  // One bar per code (codes are unique, messages need not be); the axis shows the message in the viewer's
  // language, shortened, and the tooltip the whole message with its code.
  const byReason = failedByReason.map((entry) => ({ code: entry.code, amount: entry.amount }));
  const messageOf = (code: string) => failedByReason.find((entry) => entry.code === code)?.message || code;
  const perDay = daily.map((entry) => ({ ...entry, day: formatDate(entry.date, locale) }));

  return (
    <SimpleGrid cols={{ base: 1, md: 2 }} mb="md">
      <Paper withBorder p="sm" data-testid="chart-failed-by-reason">
        <Title order={2} size="h5" mb="xs">
          {t('charts.byReason')}
        </Title>
        {byReason.length === 0 ? (
          <Text size="sm">{t('charts.empty')}</Text>
        ) : (
          <>
            <BarChart
              h={Math.max(180, 50 + byReason.length * 40)}
              data={byReason}
              dataKey="code"
              orientation="vertical"
              series={[{ name: 'amount', label: t('charts.amount'), color: 'red.7' }]}
              valueFormatter={(value) => formatMoney(value, currency, locale)}
              yAxisProps={{
                width: 170,
                interval: 0,
                tickFormatter: (code: string) => truncateLabel(messageOf(code)),
              }}
              xAxisProps={{ tickCount: 4 }}
              tooltipProps={{
                labelFormatter: (code) => (
                  <Stack gap={0}>
                    <Text size="sm" fw={500}>
                      {messageOf(String(code))}
                    </Text>
                    <Text size="xs" ff="monospace">
                      {t('charts.code', { code: String(code) })}
                    </Text>
                  </Stack>
                ),
              }}
              gridAxis="x"
              tickLine="x"
            />
            <VisuallyHidden>
              <ul aria-label={t('charts.summary')} data-testid="chart-failed-by-reason-list">
                {failedByReason.map((entry) => (
                  <li key={entry.code}>
                    {messageOf(entry.code)} ({entry.code}): {formatMoney(entry.amount, currency, locale)}
                  </li>
                ))}
              </ul>
            </VisuallyHidden>
          </>
        )}
      </Paper>
      <Paper withBorder p="sm" data-testid="chart-daily">
        <Title order={2} size="h5" mb="xs">
          {t('charts.daily')}
        </Title>
        <LineChart
          h={180}
          data={perDay}
          dataKey="day"
          withLegend
          series={[
            { name: 'failures', label: t('charts.failures'), color: 'red.7' },
            { name: 'recoveries', label: t('charts.recoveries'), color: 'teal.8' },
          ]}
          curveType="monotone"
          withDots={false}
          tickLine="y"
        />
      </Paper>
    </SimpleGrid>
  );
}
