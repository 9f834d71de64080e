import { createTheme, type CSSVariablesResolver } from '@mantine/core';

/**
 * Mantine theme. Shades are chosen for WCAG AA contrast: filled buttons use blue-8 (5:1 on white),
 * dimmed text uses gray-7 instead of gray-6.
 */
export const theme = createTheme({
  primaryColor: 'blue',
  primaryShade: { light: 8, dark: 8 },
  defaultRadius: 'md',
  fontFamily: 'Inter, -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif',
  headings: {
    fontFamily: 'Inter, -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif',
    fontWeight: '650',
  },
  focusRing: 'auto',
  cursorType: 'pointer',
  components: {
    Button: { defaultProps: { fw: 600 } },
    // Links inside text must stand out by more than colour.
    Anchor: { defaultProps: { underline: 'always' } },
    // Keyboard users can reach the show/hide toggle too.
    PasswordInput: { defaultProps: { visibilityToggleButtonProps: { tabIndex: 0, 'aria-label': 'Show password' } } },
  },
});

export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': 'var(--mantine-color-gray-7)',
    '--mantine-color-anchor': 'var(--mantine-color-blue-8)',
    '--mantine-color-body': 'var(--mantine-color-white)',
  },
  dark: {},
});
