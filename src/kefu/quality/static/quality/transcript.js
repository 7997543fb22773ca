// The transcript page: the sentence being played is highlighted, and a click on a timed sentence
// (or a finding's sentence link) seeks the recording there. Static file: the CSP forbids inline scripts.
(function () {
  "use strict";

  function init() {
    var dialogue = document.getElementById("dialogue");
    if (!dialogue) return;
    var audio = document.getElementById("recording");
    var turns = Array.prototype.slice.call(dialogue.querySelectorAll(".turn[data-start]"));
    var current = null;

    function bounds(turn, i) {
      var start = Number(turn.dataset.start);
      var end = turn.dataset.end !== undefined ? Number(turn.dataset.end) : NaN;
      if (isNaN(end)) {
        var next = turns[i + 1];
        end = next ? Number(next.dataset.start) : Infinity;
      }
      return [start, end];
    }

    // The sentence playing at `ms`: the last one started before it that has not ended yet
    // (overlapping sentences: the later start wins, as the listener hears the interruption).
    function turnAt(ms) {
      var found = null;
      for (var i = 0; i < turns.length; i++) {
        var b = bounds(turns[i], i);
        if (b[0] <= ms && ms < b[1]) found = turns[i];
      }
      return found;
    }

    function highlight(turn) {
      if (turn === current) return;
      if (current) current.classList.remove("playing");
      current = turn;
      if (turn) {
        turn.classList.add("playing");
        if (turn.scrollIntoView && !audio.paused) turn.scrollIntoView({ block: "nearest" });
      }
    }

    function seek(turn) {
      if (!audio || !turn || turn.dataset.start === undefined) return;
      audio.currentTime = Number(turn.dataset.start) / 1000;
      highlight(turn);
      var playing = audio.play();
      if (playing && playing.catch) playing.catch(function () {});
    }

    if (audio) {
      audio.addEventListener("timeupdate", function () {
        highlight(turnAt(audio.currentTime * 1000));
      });
      audio.addEventListener("seeked", function () {
        highlight(turnAt(audio.currentTime * 1000));
      });
      turns.forEach(function (turn) {
        turn.addEventListener("click", function () { seek(turn); });
      });
    }
    document.querySelectorAll("[data-seek]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var turn = document.getElementById("s" + link.dataset.seek);
        if (audio && turn && turn.dataset.start !== undefined) {
          event.preventDefault();
          turn.scrollIntoView({ block: "center" });
          seek(turn);
        }
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
