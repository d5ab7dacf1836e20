// "Use my location": fills the scene's latitude and longitude from the browser, when it can.
// The page works without this file (the fields are typed in).
(function () {
  "use strict";
  var button = document.querySelector("[data-locate]");
  if (!button || !navigator.geolocation) { return; }
  var status = document.querySelector("[data-locate-status]");
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = button.getAttribute("data-finding") || "Finding your location…";
    navigator.geolocation.getCurrentPosition(function (position) {
      document.getElementById("id_latitude").value = position.coords.latitude.toFixed(6);
      document.getElementById("id_longitude").value = position.coords.longitude.toFixed(6);
      status.textContent = "Location filled in.";
    }, function () {
      status.textContent = "Your location is not available; type the scene's coordinates.";
    }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  });
})();
