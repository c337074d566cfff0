import '@mantine/charts/styles.css';
import { BarChart, LineChart } from '@mantine/charts';
import { Paper, SimpleGrid, Stack, Text, Title, VisuallyHidden } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatDate } from '../../ui/dates';
import { formatMoney } from '../../ui/money';
import { QueryStatus } from '../../ui/QueryStatus';
import { useLocale } from '../../ui/useLocale';
import { useCharts } from './api';
import { OTHER, topReasons, truncateLabel } from './chartData';
import { RecoveryChart } from './RecoveryChart';

/** Both charts are small, side by side above the tabs: a fixed height whatever the number of reasons. */
const CHART_HEIGHT = 200;
const AXIS_WIDTH = 180;

export function ActionCenterCharts() {
  const { t } = useTranslation();
  const locale = useLocale();
  const charts = useCharts();
  if (!charts.isSuccess) return <QueryStatus query={charts} />;
  const { currency, failedByReason, daily } = charts.data;
  const money = (minor: number) => formatMoney(minor, currency, locale);
  // One bar per code (codes are unique, messages need not be); the axis shows the message in the viewer's
  // language, shortened, and the tooltip the whole message with its code.
  const { bars, others } = topReasons(failedByReason);
  const messageOf = (code: string) =>
    code === OTHER
      ? t('charts.otherReasons')
      : failedByReason.find((entry) => entry.code === code)?.message || code;
  const perDay = daily.map((entry) => ({ ...entry, day: formatDate(entry.date, locale) }));

  return (
    <SimpleGrid cols={{ base: 1, md: 2 }} mb="md">
      <Paper withBorder p="sm" data-testid="chart-failed-by-reason">
        <Title order={2} size="h5" mb="xs">
          {t('charts.byReason')}
        </Title>
        {bars.length === 0 ? (
          <Text size="sm" h={CHART_HEIGHT}>
            {t('charts.empty')}
          </Text>
        ) : (
          <>
            <BarChart
              h={CHART_HEIGHT}
              data={bars}
              dataKey="code"
              orientation="vertical"
              series={[{ name: 'amount', label: t('charts.amount'), color: 'red.7' }]}
              valueFormatter={money}
              withXAxis={false}
              withBarValueLabel
              valueLabelProps={{ fill: 'var(--mantine-color-text)', fontSize: 11 }}
              barChartProps={{ margin: { top: 0, bottom: 0, left: 0, right: 76 } }}
              maxBarWidth={18}
              yAxisProps={{
                width: AXIS_WIDTH,
                interval: 0,
                tick: { transform: 'translate(-6, 0)', fontSize: 11, fill: 'currentColor' },
                tickFormatter: (code: string) => truncateLabel(messageOf(code)),
              }}
              tooltipProps={{
                labelFormatter: (code) => (
                  <Stack gap={0}>
                    <Text size="sm" fw={500}>
                      {messageOf(String(code))}
                    </Text>
                    <Text size="xs" ff={code === OTHER ? undefined : 'monospace'}>
                      {code === OTHER
                        ? t('charts.otherCount', { number: others.length })
                        : t('charts.code', { code: String(code) })}
                    </Text>
                  </Stack>
                ),
              }}
              gridAxis="none"
              tickLine="none"
            />
            <VisuallyHidden>
              <ul aria-label={t('charts.summary')} data-testid="chart-failed-by-reason-list">
                {failedByReason.map((entry) => (
                  <li key={entry.code}>
                    {messageOf(entry.code)} ({entry.code}): {money(entry.amount)}
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
          h={CHART_HEIGHT}
          data={perDay}
          dataKey="day"
          withLegend
          legendProps={{ height: 28 }}
          series={[
            { name: 'failures', label: t('charts.failures'), color: 'red.7' },
            { name: 'recoveries', label: t('charts.recoveries'), color: 'teal.8' },
          ]}
          curveType="monotone"
          withDots={false}
          tickLine="y"
          yAxisProps={{ width: 32, allowDecimals: false }}
          xAxisProps={{ minTickGap: 24 }}
        />
      </Paper>
      <RecoveryChart />
    </SimpleGrid>
  );
}
