/** The view of list-style sections: each group a headed list of cards with labelled facts; empty groups say so kindly. */
import { html, type SafeHtml } from '../../../ui/html.ts';
import type { Fact, RecordGroup, RecordItem } from '../../../record/section.ts';

const factValue = (value: Fact['value']): SafeHtml | string =>
  typeof value === 'string'
    ? value
    : html`<ul class="inline-list">${value.list.map((entry) => html`<li>${entry.text}${entry.note ? html` <span class="muted">(${entry.note})</span>` : ''}</li>`)}</ul>`;

const card = (item: RecordItem): SafeHtml => html`<li class="card">
<h3>${item.title}${item.flag ? html` <span class="flag">${item.flag}</span>` : ''}</h3>
${item.facts.length ? html`<dl class="facts">${item.facts.map((f) => html`<div><dt>${f.label}</dt><dd>${factValue(f.value)}</dd></div>`)}</dl>` : ''}
${item.link ? html`<p><a href="${item.link.href}">${item.link.text}<span class="visually-hidden"> ${item.title}</span></a></p>` : ''}
</li>`;

export const recordGroups = (groups: readonly RecordGroup[]): SafeHtml =>
  html`${groups.map(
    (group, index) => html`<section class="record-group" aria-labelledby="group-${index}">
<h2 id="group-${index}">${group.heading} <span class="count">(${group.items.length})</span></h2>
${group.items.length === 0 ? html`<p class="empty">${group.empty}</p>` : html`<ul class="records">${group.items.map(card)}</ul>`}
</section>`,
  )}`;
