import { expect } from 'chai';
import { html, SafeHtml } from '../../../src/ui/html.ts';

describe('html templates', () => {
  it('escapes every interpolated value', () => {
    const name = `<script>alert("x")</script> & 'quotes'`;
    expect(html`<p title="${name}">${name}</p>`.value).to.equal(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;</p>',
    );
  });

  it('keeps nested templates and joins arrays, dropping null, undefined and false', () => {
    const items = ['a<b', 'c'].map((i) => html`<li>${i}</li>`);
    expect(html`<ul>${items}</ul>${null}${undefined}${false}${0}`.value).to.equal('<ul><li>a&lt;b</li><li>c</li></ul>0');
    expect(html`${new SafeHtml('<svg></svg>')}`.value).to.equal('<svg></svg>');
  });
});
