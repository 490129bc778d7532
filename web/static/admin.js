// While a retraining is queued or running, look again every 3 s until it has ended.
"use strict";
setTimeout(() => window.location.reload(), 3000);
