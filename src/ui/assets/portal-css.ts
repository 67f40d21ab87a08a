/**
 * The one stylesheet, phone first: readable at 320 px, touch targets of at least 44 px, focus always
 * visible, colours with at least 4.5:1 contrast (WCAG 2.2 AA 1.4.3, 2.4.7, 2.5.8).
 */
export const portalCss = `
*,*::before,*::after{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-size:100%;line-height:1.5;color:#1b1f23;background:#f6f7f9}
body{margin:0}
a{color:#0b57a4}
a:hover{color:#083d73}
:focus-visible{outline:3px solid #b45309;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.75rem 1rem;z-index:10}
.skip:focus{left:.5rem;top:.5rem}
header.site{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem;padding:.5rem 1rem;background:#0b3d6b;color:#fff}
header.site .brand{margin:0;font-weight:700;flex:1 1 auto}
header.site a,header.site button.link{color:#fff}
header.site nav{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center}
header.site nav a,header.site nav button{min-height:44px;display:inline-flex;align-items:center}
header.site form{margin:0}
main{max-width:46rem;margin:0 auto;padding:1rem}
main:focus{outline:none}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0 1rem}
h2{font-size:1.25rem;margin:1.5rem 0 .5rem}
.field{margin:0 0 1rem}
label{display:block;font-weight:600;margin-bottom:.25rem}
.hint{margin:0 0 .25rem;color:#4a5058;font-size:.95rem}
.error{margin:0 0 .25rem;color:#a4161a;font-weight:600}
input[type=text],input[type=email],input[type=password],input[type=date],input[type=search],select,textarea{width:100%;min-height:44px;padding:.5rem .75rem;font:inherit;color:inherit;background:#fff;border:2px solid #59616b;border-radius:6px}
textarea{min-height:6rem}
input[aria-invalid=true]{border-color:#a4161a}
fieldset{border:2px solid #d0d5db;border-radius:8px;margin:0 0 1rem;padding:.75rem 1rem}
legend{font-weight:600;padding:0 .25rem}
.choice{display:flex;align-items:center;gap:.5rem;min-height:44px}
.choice input{width:1.5rem;height:1.5rem;margin:0}
.choice label{font-weight:400;margin:0}
button,.button{display:inline-flex;align-items:center;justify-content:center;min-height:44px;min-width:44px;padding:.5rem 1.25rem;font:inherit;font-weight:600;color:#fff;background:#0b57a4;border:2px solid #0b57a4;border-radius:6px;cursor:pointer;text-decoration:none}
button:hover,.button:hover{background:#083d73;color:#fff}
button.secondary{background:#fff;color:#0b57a4}
button.danger{background:#a4161a;border-color:#a4161a}
button.link{background:none;border:none;padding:0;min-height:44px;font-weight:400;text-decoration:underline;color:#0b57a4}
.notice{border-left:6px solid #0b57a4;background:#e8f1fb;padding:.5rem 1rem;margin:0 0 1rem;border-radius:4px}
.notice.error{border-color:#a4161a;background:#fbeaea}
.notice p{margin:.25rem 0}
.card{background:#fff;border:1px solid #d0d5db;border-radius:8px;padding:1rem;margin:0 0 1rem}
ul.plain{list-style:none;padding:0;margin:0}
ul.plain li{padding:.5rem 0;border-bottom:1px solid #e3e6ea}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;margin:1rem 0}
.muted{color:#4a5058}
[hidden]{display:none!important}
.pdf-frame{display:block;width:100%;height:70vh;min-height:20rem;border:2px solid #d0d5db;border-radius:6px;background:#fff}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
/* Health record pages: banner, section menu, cards, result tables that reflow into cards on a phone. */
.banner{background:#fff;border-left:6px solid #0b3d6b;border-radius:4px;padding:.5rem 1rem;margin:0 0 .75rem}
.banner p{margin:0;display:flex;flex-wrap:wrap;gap:0 1rem}
.banner-name{font-weight:700}
.banner p.banner-proxy{display:block;color:#4a5058;font-size:.95rem}
.breadcrumb{margin:.25rem 0;font-size:.95rem}
.breadcrumb a{display:inline-flex;align-items:center;min-height:44px}
.section-menu details{background:#fff;border:1px solid #d0d5db;border-radius:8px;margin:0 0 1rem}
.section-menu summary{min-height:44px;display:flex;align-items:center;padding:0 1rem;cursor:pointer;font-weight:600;color:#0b57a4}
.section-menu ul{list-style:none;margin:0;padding:0 .5rem .5rem;display:grid;grid-template-columns:repeat(auto-fill,minmax(12rem,1fr));gap:0 .5rem}
.section-menu a{display:flex;align-items:center;min-height:44px;padding:0 .5rem}
.section-menu a[aria-current=page]{font-weight:700;color:#1b1f23}
.section-grid{list-style:none;margin:0;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));gap:.75rem}
.section-grid a{display:flex;flex-direction:column;min-height:44px;height:100%;padding:.75rem 1rem;background:#fff;border:1px solid #d0d5db;border-radius:8px;text-decoration:none}
.section-grid a:hover{border-color:#0b57a4}
.section-title{font-weight:700;text-decoration:underline}
.section-summary{color:#4a5058;font-size:.95rem}
.whats-new{display:grid;gap:0 1rem;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr))}
.whats-new h3{margin:0 0 .25rem;font-size:1.1rem}
.count{font-weight:400;color:#4a5058}
.empty{color:#4a5058;background:#fff;border:1px dashed #9aa1a9;border-radius:8px;padding:.75rem 1rem}
ul.records{list-style:none;margin:0;padding:0}
ul.records .card h3,ul.records .card .hit-title{margin:0 0 .5rem;font-size:1.1rem}
dl.facts{margin:0;display:grid;gap:.25rem}
dl.facts div{display:grid;grid-template-columns:minmax(7rem,35%) 1fr;gap:.5rem}
dl.facts dt{font-weight:600;color:#4a5058}
dl.facts dd{margin:0}
.flag{display:inline-block;font-size:.9rem;font-weight:700;color:#a4161a;border:2px solid #a4161a;border-radius:4px;padding:0 .35rem;margin-left:.25rem}
.inline-list{margin:0;padding-left:1.25rem}
.report{margin:0 0 1.5rem}
.report-date{font-size:1rem;font-weight:400}
table.reflow{width:100%;border-collapse:collapse;background:#fff;border:1px solid #d0d5db}
table.reflow th,table.reflow td{text-align:left;vertical-align:top;padding:.5rem .75rem;border-bottom:1px solid #e3e6ea}
table.reflow thead th{background:#eef1f4}
table.reflow tbody th{font-weight:600}
table.reflow tbody th a{display:inline-flex;align-items:center;min-height:44px}
tr.out-of-range{background:#fbeaea}
.flag-high,.flag-low,.flag-critical-high,.flag-critical-low,.flag-abnormal{margin:0}
.link-grid{list-style:none;margin:0;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(16rem,1fr));gap:0 1rem}
.link-grid li{min-height:44px;display:flex;flex-wrap:wrap;align-items:center;gap:0 .5rem;border-bottom:1px solid #e3e6ea}
.link-grid a{display:inline-flex;align-items:center;min-height:44px}
.record-search{margin:0 0 1rem}
.search-row{display:flex;gap:.5rem}
.search-row input{flex:1 1 auto;min-width:0}
@media (max-width:40rem){
table.reflow,table.reflow tbody,table.reflow tr,table.reflow th,table.reflow td{display:block;width:100%}
table.reflow thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
table.reflow tr{border-bottom:2px solid #d0d5db;padding:.25rem 0}
table.reflow td,table.reflow tbody th{border:none;padding:.25rem .75rem}
table.reflow td::before{content:attr(data-label) ": ";font-weight:600;color:#4a5058}
dl.facts div{grid-template-columns:1fr;gap:0}
}
@media print{.section-menu,.breadcrumb,.record-search,.section-grid{display:none}.card,table.reflow{break-inside:avoid;border-color:#777}tr.out-of-range{background:none}a{color:#000;text-decoration:none}}
@media (min-width:48rem){main{padding:2rem}h1{font-size:2rem}}
@media print{header.site,.skip,form,button{display:none}body,html{background:#fff}main{max-width:none;padding:0}}
.trend{margin:0 0 1.5rem;padding:1rem;background:#fff;border:1px solid #d0d5db;border-radius:8px}
.trend figcaption{margin:0 0 .5rem}
.trend .trend-title{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.trend-svg{display:block;width:100%;height:auto;max-width:32rem}
.trend-legend{display:flex;flex-wrap:wrap;gap:.25rem 1.25rem;list-style:none;margin:0 0 .5rem;padding:0}
.trend-legend li{display:flex;align-items:center;gap:.5rem}
.trend-key{flex:none}
.trend-data{margin:.75rem 0 0}
.trend-data summary{padding:.625rem 0;cursor:pointer;color:#0b57a4;text-decoration:underline}
.trend table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
.trend caption{text-align:left;font-weight:600;padding:.25rem 0}
.trend th,.trend td{padding:.375rem .5rem;border-bottom:1px solid #e3e6ea;text-align:right}
.trend th:first-child{text-align:left}
.trend tbody th{font-weight:400}
.trend thead th{border-bottom-width:2px}
@media (forced-colors:active){.trend-line{stroke:CanvasText}.trend-marker{fill:CanvasText}}
@media print{.trend{border:none;padding:0}.trend-svg{break-inside:avoid;max-width:16cm;print-color-adjust:exact;-webkit-print-color-adjust:exact}.trend-data::details-content{content-visibility:visible;display:block}.trend-data summary{display:none}.trend tr{break-inside:avoid}}
/* Secure messages: unread and overdue badges, message text as typed, internal notes set apart. */
.badge{display:inline-block;padding:.1rem .5rem;border-radius:1rem;background:#0b57a4;color:#fff;font-size:.875rem;font-weight:600}
.badge.overdue{background:#a4161a}
.message-text{white-space:pre-wrap;overflow-wrap:anywhere}
ol.conversation{list-style:none;padding:0}
.card.internal-note{background:#fff8e1;border-color:#8a6d00}
input[type=file]{min-height:44px}
`;
