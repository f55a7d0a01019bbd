DROP TABLE photo_uploaders;
DROP TABLE login_failures;
