import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import {
  CloseButton,
  type CloseButtonProps,
  type CSSVariablesResolver,
  createTheme,
  MantineProvider,
  Notification,
  TableScrollContainer,
} from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode, useMemo } from 'react';
import { createRoot } from 'react-dom/client';
import { useTranslation } from 'react-i18next';
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

/**
 * Mantine's close buttons (modals, notifications, clearable fields) are icons without a name (axe:
 * button-name): every one gets "Close" in the viewer's language, so the theme follows the language.
 */
function useTheme() {
  const { t } = useTranslation();
  return useMemo(
    () =>
      createTheme({
        primaryColor: 'indigo',
        primaryShade: 8,
        components: {
          // aria-label is passed on to the button element, though CloseButtonProps does not list it.
          CloseButton: CloseButton.extend({
            defaultProps: { 'aria-label': t('common.close') } as Partial<CloseButtonProps>,
          }),
          // A table wider than the screen scrolls inside its container: the keyboard must reach it too
          // (axe: scrollable-region-focusable, seen on the audit log's details column).
          TableScrollContainer: TableScrollContainer.extend({
            defaultProps: { scrollAreaProps: { viewportProps: { tabIndex: 0 } } },
          }),
          // A notification's message is Mantine's light grey by default, below AA on white (axe
          // color-contrast, seen on a retry's outcome): the body text colour instead.
          Notification: Notification.extend({
            styles: { description: { color: 'var(--mantine-color-gray-8)' } },
          }),
        },
      }),
    [t],
  );
}

// Mantine's default dimmed grey is below WCAG AA contrast on white for small text, and so is the text of
// light orange alerts and badges (orange.9 on orange.1, 3.6:1): a darker orange reaches 5.4:1. Light yellow
// alerts (the ignore dialog's advice, #e67700 on yellow.1, 2.7:1) get a dark amber, 5.7:1.
const resolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': 'var(--mantine-color-gray-7)',
    '--mantine-color-orange-light-color': '#a8400e',
    '--mantine-color-yellow-light-color': '#8f5000',
  },
  dark: {},
});

function App() {
  const theme = useTheme();
  return (
    <MantineProvider theme={theme} cssVariablesResolver={resolver}>
      <Notifications position="top-right" />
      <QueryClientProvider client={queryClient}>
        <BrowserRouter>
          <AppRoutes />
        </BrowserRouter>
      </QueryClientProvider>
    </MantineProvider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
