// The parts of window.tracks the Shaka and video.js tracks pages share: every URL the page
// fetched (resource timing sees the players' XHR and fetch alike), cues as plain objects, a seek.
'use strict';
function tracksCommon(video) {
  const loaded = [];
  const errors = [];
  new PerformanceObserver((list) => list.getEntries().forEach((entry) => loaded.push(entry.name))).observe({
    type: 'resource',
    buffered: true,
  });
  const cuesOf = (list) => (list ? Array.from(list).map((c) => ({ start: c.startTime, end: c.endTime, text: c.text })) : []);
  const seekTo = (time) => {
    video.currentTime = time;
    video.play().catch((error) => errors.push(`play(): ${error.message}`));
  };
  return { loaded, errors, cuesOf, seekTo };
}
