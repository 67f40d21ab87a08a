/**
 * The SMART style document (SMART App Launch 2.2 §"Styling"): what an EHR-launched app needs to look
 * like part of the portal, taken from the portal's own stylesheet (portal-css.ts). The portal has no
 * separate success colour: it announces success in its blue notice, so that is the success colour.
 */
const fontStack = 'system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif';

export const smartStyle = {
  color_background: '#f6f7f9',
  color_error: '#a4161a',
  color_highlight: '#0b57a4',
  color_modal_backdrop: '#1b1f23',
  color_success: '#0b57a4',
  color_text: '#1b1f23',
  dim_border_radius: '6px',
  dim_font_size: '16px',
  dim_spacing_size: '16px',
  font_family_body: fontStack,
  font_family_heading: fontStack,
} as const;
