/* The data request page needs no script; the file exists for the buyer frame. */
