import { BarChart, LineChart } from '@mantine/charts';
import { Paper, SimpleGrid, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatDate } from '../../ui/dates';
import { formatMoney } from '../../ui/money';
import { QueryStatus } from '../../ui/QueryStatus';
import { useLocale } from '../../ui/useLocale';
import { useCharts } from './api';

export function ActionCenterCharts() {
  const { t } = useTranslation();
  const locale = useLocale();
  const charts = useCharts();
  if (!charts.isSuccess) return <QueryStatus query={charts} />;
  const { currency, failedByReason, daily } = charts.data;
  const byReason = failedByReason.map((entry) => ({ reason: entry.code, amount: entry.amount }));
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
          <BarChart
            h={180}
            data={byReason}
            dataKey="reason"
            series={[{ name: 'amount', label: t('charts.amount'), color: 'red.7' }]}
            valueFormatter={(value) => formatMoney(value, currency, locale)}
            yAxisProps={{ width: 90 }}
            tickLine="y"
          />
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
