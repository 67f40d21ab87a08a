import { expect } from 'chai';
import { portalCss } from '../../../src/ui/assets/portal-css.ts';
import { smartStyle } from '../../../src/ui/assets/smart-style.ts';

describe('SMART style document', () => {
  it('has every SMART App Launch 2.2 style property', () => {
    expect(Object.keys(smartStyle).sort()).to.deep.equal(
      [
        'color_background',
        'color_error',
        'color_highlight',
        'color_modal_backdrop',
        'color_success',
        'color_text',
        'dim_border_radius',
        'dim_font_size',
        'dim_spacing_size',
        'font_family_body',
        'font_family_heading',
      ].sort(),
    );
  });

  it('uses only the portal stylesheet’s own colours, radius and fonts', () => {
    for (const [key, value] of Object.entries(smartStyle)) {
      if (key.startsWith('color_')) expect(portalCss, key).to.include(value);
    }
    expect(portalCss).to.include(`border-radius:${smartStyle.dim_border_radius}`);
    expect(portalCss).to.include(`font-family:${smartStyle.font_family_body}`);
    expect(portalCss).to.include(`background:${smartStyle.color_background}`);
    expect(portalCss).to.include(`color:${smartStyle.color_text}`);
  });
});
