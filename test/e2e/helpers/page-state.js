// The video element's part of window.testPlayer.state() (TestPlayerState in
// other-players-page.ts), the same in the Shaka, video.js and hls.js test pages.
'use strict';
function elementState(video) {
  return {
    currentTime: video.currentTime,
    duration: video.duration,
    paused: video.paused,
    ended: video.ended,
    // Chromium's decoded byte counters.
    audioDecodedBytes: video.webkitAudioDecodedByteCount,
    videoDecodedBytes: video.webkitVideoDecodedByteCount,
    videoWidth: video.videoWidth,
    videoHeight: video.videoHeight,
  };
}
