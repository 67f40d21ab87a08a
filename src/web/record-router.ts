/**
 * The patient's health record pages (/record/…): server-rendered from the FHIR facade, readable
 * without JavaScript. Handlers parse, load, render; loaders live in record/, views in views/record/.
 */
import { Router } from 'express';
import { AppError } from '../core/errors.ts';
import { loadResults } from '../record/results.ts';
import { minQueryLength, searchRecord } from '../record/search.ts';
import { listSections } from '../record/sections.ts';
import { loadTrend } from '../record/trend.ts';
import { loadVitals } from '../record/vitals.ts';
import { pageContext } from '../ui/page-context.ts';
import { withRecord, type RecordPageDeps } from './record-page-context.ts';
import { recordPage } from './views/record/record-layout.ts';
import { recordGroups } from './views/record/record-list.ts';
import { resultsBody } from './views/record/results-page.ts';
import { searchBody } from './views/record/search-page.ts';
import { trendBody } from './views/record/trend-page.ts';
import { vitalsBody } from './views/record/vitals-page.ts';

/** More matches than this and the search asks for a narrower query. */
const maxSearchHits = 50;

export function createRecordRouter(deps: RecordPageDeps): Router {
  const router = Router();
  router.use('/record', (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  router.get('/record/results', async (req, res) => {
    const ctx = pageContext(req, deps.practice);
    const { patient, data } = await withRecord(req, res, deps, (section) => loadResults(section, req.query['before']));
    res.send(recordPage(ctx, { slug: 'results', title: ctx.t('section.results'), patient, body: resultsBody(ctx, data) }));
  });

  router.get('/record/results/trend', async (req, res) => {
    const ctx = pageContext(req, deps.practice);
    const { patient, data } = await withRecord(req, res, deps, (section) => loadTrend(section, req.query['code']));
    res.send(recordPage(ctx, { slug: 'results', title: ctx.t('trend.title', { name: data.name }), patient, body: trendBody(ctx, data) }));
  });

  router.get('/record/vitals', async (req, res) => {
    const ctx = pageContext(req, deps.practice);
    const { patient, data } = await withRecord(req, res, deps, loadVitals);
    res.send(recordPage(ctx, { slug: 'vitals', title: ctx.t('section.vitals'), patient, body: vitalsBody(ctx, data), incomplete: !data.complete }));
  });

  router.get('/record/search', async (req, res) => {
    const ctx = pageContext(req, deps.practice);
    const raw = req.query['q'];
    const query = typeof raw === 'string' ? raw.slice(0, 100) : '';
    const searching = query.trim().length >= minQueryLength;
    const { patient, data } = await withRecord(req, res, deps, async (section) => (searching ? searchRecord(section, query) : undefined));
    res.send(recordPage(ctx, { slug: 'search', title: ctx.t('section.search'), patient, body: searchBody(ctx, query, data, maxSearchHits) }));
  });

  router.get('/record/:slug', async (req, res) => {
    const section = listSections.find((s) => s.slug === req.params['slug']);
    if (!section) throw new AppError('not_found', 404);
    const ctx = pageContext(req, deps.practice);
    const { patient, data } = await withRecord(req, res, deps, section.load);
    res.send(recordPage(ctx, { slug: section.slug, title: ctx.t(section.titleKey), patient, body: recordGroups(data) }));
  });
  return router;
}
