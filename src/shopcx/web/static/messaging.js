// The buyer's message pages need no script; this file keeps buyer_base.html's one script tag answered.
