import { Button, Center } from '@mantine/core';
import { useTranslation } from 'react-i18next';

export function LoadMore(props: {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => unknown;
}) {
  const { t } = useTranslation();
  if (!props.hasNextPage) return null;
  return (
    <Center mt="sm">
      <Button
        variant="default"
        loading={props.isFetchingNextPage}
        onClick={() => void props.fetchNextPage()}
        data-testid="load-more"
      >
        {t('common.loadMore')}
      </Button>
    </Center>
  );
}
