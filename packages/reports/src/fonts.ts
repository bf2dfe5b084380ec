import { createRequire } from 'node:module';

/** The one font family figures use; bundled (dejavu-fonts-ttf) so output does not depend on the host. */
export const FONT_FAMILY = 'DejaVu Sans';

const require = createRequire(import.meta.url);

/**
 * Absolute paths of the bundled DejaVu Sans TTFs (regular and bold: vega draws titles bold).
 * resvg silently drops text whose font it cannot find, so these are always passed explicitly.
 */
export function fontFiles(): string[] {
  return ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => require.resolve(`dejavu-fonts-ttf/ttf/${f}`));
}
