// The status page's browser code: hls.js plays a rendition's master playlist, and hls.js's
// I-frame player (createIFramePlayer, from the EXT-X-I-FRAME-STREAM-INF the master advertises)
// draws the key frames of its I-frame playlist into a strip of small canvases; clicking one
// seeks the player, hovering one shows it in the preview. A language menu and a subtitle menu
// list the master's audio and subtitle renditions (docs/tracks.md), shown when there is a
// choice. Plain ES2020, no build step.
export const STATUS_SCRIPT = String.raw`
(() => {
  'use strict';
  const video = document.getElementById('video');
  const preview = document.getElementById('preview');
  const strip = document.getElementById('trick');
  const input = document.getElementById('play-path');
  const note = document.getElementById('player-note');
  const level = document.getElementById('player-level');
  const audioMenu = document.getElementById('audio-menu');
  const subtitleMenu = document.getElementById('subtitle-menu');
  const MAX_THUMBS = 24;
  let hls = null;
  let iframes = null;
  let generation = 0;

  const say = (text) => { note.textContent = text; };
  const url = (path, file) => '/i/' + path.split('/').map(encodeURIComponent).join('/') + '/' + file;
  const clock = (seconds) => {
    const s = Math.max(0, Math.floor(seconds));
    const m = Math.floor(s / 60);
    return (m >= 60 ? Math.floor(m / 60) + ':' + String(m % 60).padStart(2, '0') : m) + ':' + String(s % 60).padStart(2, '0');
  };

  function stop() {
    generation++;
    if (iframes) iframes.destroy();
    if (hls) hls.destroy();
    iframes = hls = null;
    strip.textContent = '';
    level.textContent = '';
    fillMenu(audioMenu, [], -1);
    fillMenu(subtitleMenu, [], -1);
  }

  // A menu of hls.js's tracks (audioTracks or subtitleTracks), hidden when it offers no choice;
  // value -1 is "Off" (subtitles only).
  function fillMenu(menu, tracks, selected, off) {
    menu.textContent = '';
    const options = (off ? [{ name: off, index: -1 }] : []).concat(
      tracks.map((t, index) => ({ name: t.name + (t.lang ? ' (' + t.lang + ')' : ''), index })),
    );
    for (const { name, index } of options) menu.append(new Option(name, String(index), false, index === selected));
    menu.parentElement.hidden = tracks.length < (off ? 1 : 2);
  }
  const audioMenuUpdate = () => hls && fillMenu(audioMenu, hls.audioTracks, hls.audioTrack);
  const subtitleMenuUpdate = () => hls && fillMenu(subtitleMenu, hls.subtitleTracks, hls.subtitleTrack, 'Off');
  audioMenu.addEventListener('change', () => { if (hls) hls.audioTrack = Number(audioMenu.value); });
  subtitleMenu.addEventListener('change', () => {
    if (!hls) return;
    hls.subtitleDisplay = true;
    hls.subtitleTrack = Number(subtitleMenu.value);
  });

  // Resolves with the media time of the first frame the element presents inside [from, to)
  // (null after a time limit): the I-frame player may present the previous frame again first.
  function frameIn(element, from, to) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), 5000);
      const check = (now, metadata) => {
        if (metadata.mediaTime >= from && metadata.mediaTime < to) {
          clearTimeout(timer);
          resolve(metadata.mediaTime);
        } else element.requestVideoFrameCallback(check);
      };
      element.requestVideoFrameCallback(check);
    });
  }

  // Key frames from the I-frame playlist: each EXTINF runs to the next key frame. The player is
  // asked for the middle of each span, which is inside the key frame's span on the media
  // timeline too (hls.js may shift it by the stream's first PTS).
  function keyFrames(text) {
    const frames = [];
    let t = 0;
    for (const match of text.matchAll(/^#EXTINF:([\d.]+)/gm)) {
      const duration = Number(match[1]);
      frames.push({ start: t, duration });
      t += duration;
    }
    if (frames.length <= MAX_THUMBS) return frames;
    const step = (frames.length - 1) / (MAX_THUMBS - 1);
    return Array.from({ length: MAX_THUMBS }, (_, i) => frames[Math.round(i * step)]);
  }

  async function buildStrip(mine, path) {
    const response = await fetch(url(path, 'kfonly/index_0_av.m3u8'));
    if (mine !== generation) return;
    // A derived rendition's answer says where its trick play is (its source rendition).
    if (!response.ok) return say('No trick-play strip: ' + (await response.text()).trim());
    const frames = keyFrames(await response.text());
    iframes = hls.createIFramePlayer();
    if (!iframes) return say('No I-frame variant in the master playlist: no trick-play strip.');
    // A position asked for before the I-frame playlist is loaded is dropped: wait for it.
    const loaded = new Promise((resolve) => {
      iframes.once(Hls.Events.LEVEL_LOADED, resolve);
      setTimeout(resolve, 5000);
    });
    iframes.attachMedia(preview);
    await loaded;
    const thumbs = frames.map((frame) => {
      const canvas = document.createElement('canvas');
      canvas.width = 128;
      canvas.height = 72;
      canvas.dataset.time = String(frame.start);
      canvas.title = 'key frame at ' + clock(frame.start);
      const at = frame.start + frame.duration / 2;
      canvas.addEventListener('click', () => { video.currentTime = Number(canvas.dataset.time); video.play().catch(() => {}); });
      canvas.addEventListener('mouseenter', () => { if (iframes && strip.dataset.ready) iframes.loadMediaAt(at); });
      strip.append(canvas);
      return { canvas, at, frame };
    });
    for (const { canvas, at, frame } of thumbs) {
      if (mine !== generation) return;
      // A busy machine (or a key frame made on this request) can miss the 5-s wait: asked again
      // up to twice before the thumbnail is left empty.
      let mediaTime = null;
      for (let attempt = 0; attempt < 3 && mediaTime === null && mine === generation; attempt++) {
        const shown = frameIn(preview, at - frame.duration, at + 0.001);
        iframes.loadMediaAt(at);
        mediaTime = await shown;
      }
      if (mediaTime !== null && mine === generation) {
        canvas.getContext('2d').drawImage(preview, 0, 0, canvas.width, canvas.height);
        canvas.dataset.time = String(mediaTime);
        canvas.classList.add('ready');
      }
    }
    strip.dataset.ready = 'true';
  }

  function play(path) {
    stop();
    const mine = generation;
    input.value = path;
    delete strip.dataset.ready;
    history.replaceState(null, '', '?play=' + encodeURIComponent(path));
    const master = url(path, 'master.m3u8');
    if (window.Hls && Hls.isSupported()) {
      hls = new Hls();
      // A fatal error ends the attempt: the server's one-line reason (a 4xx body) when it gave
      // one, hls.js's name for it otherwise, and no spinner left behind.
      hls.on(Hls.Events.ERROR, async (event, data) => {
        if (!data.fatal || mine !== generation) return;
        const failed = data.response && data.response.code >= 400 ? (data.url || master) : null;
        stop();
        video.removeAttribute('src');
        video.load();
        let reason = '';
        if (failed) reason = await fetch(failed).then((r) => (r.ok ? '' : r.text()), () => '');
        say('Cannot play ' + path + ': ' + (reason.trim() || data.details));
      });
      // Which variant plays: hls.js switches by measured bandwidth.
      hls.on(Hls.Events.LEVEL_SWITCHED, (event, data) => {
        const l = hls && hls.levels[data.level];
        if (!l) return;
        const size = l.width && l.height ? l.width + 'x' + l.height + ', ' : '';
        level.textContent = 'Variant ' + (data.level + 1) + ' of ' + hls.levels.length + ': ' + size + (l.bitrate / 1e6).toFixed(2) + ' Mbit/s';
      });
      hls.on(Hls.Events.AUDIO_TRACKS_UPDATED, audioMenuUpdate);
      hls.on(Hls.Events.AUDIO_TRACK_SWITCHED, audioMenuUpdate);
      hls.on(Hls.Events.SUBTITLE_TRACKS_UPDATED, subtitleMenuUpdate);
      hls.on(Hls.Events.SUBTITLE_TRACK_SWITCH, subtitleMenuUpdate);
      hls.on(Hls.Events.MANIFEST_PARSED, () => {
        say('Playing ' + path);
        video.play().catch(() => {});
        buildStrip(mine, path).catch((error) => say('Trick-play strip: ' + error.message));
      });
      hls.loadSource(master);
      hls.attachMedia(video);
    } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
      video.src = master;
      video.play().catch(() => {});
      say('Playing ' + path + ' (native HLS, no trick-play strip)');
    } else {
      say('This browser cannot play HLS here: hls.js did not load.');
    }
  }

  video.addEventListener('timeupdate', () => {
    let current = null;
    for (const canvas of strip.children) if (Number(canvas.dataset.time) <= video.currentTime + 0.05) current = canvas;
    for (const canvas of strip.children) canvas.classList.toggle('current', canvas === current);
  });
  document.getElementById('play-form').addEventListener('submit', (event) => {
    event.preventDefault();
    if (input.value.trim()) play(input.value.trim().replace(/^\/+/, ''));
  });
  document.addEventListener('click', (event) => {
    const button = event.target.closest('[data-play]');
    if (button) play(button.dataset.play);
  });
  const initial = new URLSearchParams(location.search).get('play');
  if (initial) play(initial);
})();
`;
