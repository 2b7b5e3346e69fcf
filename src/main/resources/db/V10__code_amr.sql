-- How the sign-in behind a code and behind a browser's sign-in session was authenticated (RFC 8176
-- amr values: {pwd} or {pwd,otp}; issue 14 item 3). A code's tokens carry its amr (access and ID
-- token); a sign-in session without otp does not satisfy a user who has since enrolled a second
-- factor or been given a role that requires one. NULL (rows from before this migration): {pwd}.
ALTER TABLE authorization_codes ADD COLUMN amr text[];
ALTER TABLE signin_sessions ADD COLUMN amr text[];
