import { BarChart } from '@mantine/charts';
import { Anchor, Group, Paper, Text, Title, VisuallyHidden } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatDate } from '../../ui/dates';
import { formatMoney } from '../../ui/money';
import { QueryStatus } from '../../ui/QueryStatus';
import { useLocale } from '../../ui/useLocale';
import { useRecoveryAnalytics } from './api';

const CHART_HEIGHT = 200;

/** RC7: failed and recovered amounts per failure week (each failure once, in the week it failed). */
export function RecoveryChart() {
  const { t } = useTranslation();
  const locale = useLocale();
  const analytics = useRecoveryAnalytics();
  if (!analytics.isSuccess) return <QueryStatus query={analytics} />;
  const a = analytics.data;
  const money = (minor: number) => formatMoney(minor, a.currency, locale);
  const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 });
  const weeks = a.byWeek.map((w) => ({ ...w, label: formatDate(w.week, locale) }));
  const headline =
    a.medianDaysToRecover === null
      ? t('recovery.chart.rateNoMedian', { rate: percent.format(a.rate), failed: money(a.failedAmount) })
      : t('recovery.chart.rate', {
          rate: percent.format(a.rate),
          failed: money(a.failedAmount),
          days: new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(a.medianDaysToRecover),
        });
  return (
    <Paper withBorder p="sm" data-testid="chart-recovery">
      <Group justify="space-between" mb="xs" gap="xs">
        <Title order={2} size="h5">
          {t('recovery.chart.title')}
        </Title>
        <Anchor href={`/api/v1/action-center/recovery?from=${a.from}&to=${a.to}&format=csv`} size="xs">
          {t('recovery.chart.csv')}
        </Anchor>
      </Group>
      <Text size="xs" c="gray.7" mb="xs" data-testid="chart-recovery-rate">
        {headline}
      </Text>
      {weeks.length === 0 ? (
        <Text size="sm" h={CHART_HEIGHT}>
          {t('recovery.chart.empty')}
        </Text>
      ) : (
        <>
          <BarChart
            h={CHART_HEIGHT}
            data={weeks}
            dataKey="label"
            withLegend
            legendProps={{ height: 28 }}
            series={[
              { name: 'failedAmount', label: t('recovery.chart.failed'), color: 'red.7' },
              { name: 'recoveredAmount', label: t('recovery.chart.recovered'), color: 'teal.8' },
            ]}
            valueFormatter={money}
            tickLine="y"
            yAxisProps={{ width: 72 }}
            xAxisProps={{ minTickGap: 16 }}
          />
          <VisuallyHidden>
            <ul aria-label={t('recovery.chart.title')}>
              {weeks.map((w) => (
                <li key={w.week}>
                  {w.label}: {money(w.failedAmount)} / {money(w.recoveredAmount)}
                </li>
              ))}
            </ul>
          </VisuallyHidden>
        </>
      )}
    </Paper>
  );
}
