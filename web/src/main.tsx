import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import '@mantine/charts/styles.css';
import { type CSSVariablesResolver, createTheme, MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import { AppRoutes } from './AppRoutes';
import { queryClient } from './api/queryClient';
import { i18n } from './i18n';

// Reason messages and labels come from the server in the viewer's language: ask again after a switch,
// except for the reconcilable list, whose rows must stay as they are until a reload (RA9).
i18n.on('languageChanged', () => {
  void queryClient.invalidateQueries({
    predicate: (query) => !['reconcilable-accounts', 'reconcile-preview'].includes(String(query.queryKey[0])),
  });
});

const theme = createTheme({ primaryColor: 'indigo', primaryShade: 8 });

// Mantine's default dimmed grey is below WCAG AA contrast on white for small text.
const resolver: CSSVariablesResolver = () => ({
  variables: {},
  light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)' },
  dark: {},
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={resolver}>
      <Notifications position="top-right" />
      <QueryClientProvider client={queryClient}>
        <BrowserRouter>
          <AppRoutes />
        </BrowserRouter>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
