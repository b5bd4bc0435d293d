"""Frames and landmarks in: camera, video, image folders, landmark recordings and
scripted timelines, all behind one ObservationSource interface; and the routines
file read at start-up."""
